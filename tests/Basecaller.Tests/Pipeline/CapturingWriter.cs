using System.Collections.Concurrent;
using Dipper.Basecaller.Output;

namespace Dipper.Basecaller.Tests.Pipeline;

internal sealed class CapturingWriter : ICalledReadWriter
{
    public ConcurrentDictionary<string, CalledRead> Reads { get; } = new();
    public string Path => "memory";
    public void Write(CalledRead read) => Assert.True(Reads.TryAdd(read.Read.ReadId, read), $"read {read.Read.ReadId} written twice");
    public void Commit() { }
    public void Dispose() { }
}
