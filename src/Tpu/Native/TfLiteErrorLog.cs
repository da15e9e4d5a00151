using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Dipper.Basecaller.Native;

namespace Dipper.Tpu.Native;

/// <summary>
/// Collects the messages an interpreter reports through its error reporter ("Encountered unresolved custom
/// op", a delegate's "Failed to execute"), so the exception thrown for a failed status can quote them.
/// Without this, TFLite prints them to stderr and the exception would only say "kTfLiteError".
/// </summary>
internal sealed class TfLiteErrorLog
{
    private const int MaxMessages = 32;
    private readonly Lock gate = new();
    private readonly Queue<string> messages = new();

    /// <summary>The reporter passed to <c>TfLiteInterpreterOptionsSetErrorReporter</c>; user data is a GCHandle to a log.</summary>
    internal static unsafe delegate* unmanaged[Cdecl]<nint, nint, nint, void> Reporter => &Report;

    /// <summary>Takes the messages collected so far, oldest first, joined by "; " (empty when none).</summary>
    internal string Drain()
    {
        lock (gate)
        {
            var text = string.Join("; ", messages);
            messages.Clear();
            return text;
        }
    }

    internal void Add(string message)
    {
        lock (gate)
        {
            if (messages.Count == MaxMessages) messages.Dequeue();
            messages.Enqueue(message);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void Report(nint userData, nint format, nint args)
    {
        try
        {
            if (userData == 0 || format == 0) return;
            if (GCHandle.FromIntPtr(userData).Target is not TfLiteErrorLog log) return;
            const int capacity = 1024;
            var buffer = stackalloc byte[capacity];
            var length = LibCNative.VsnPrintf(buffer, capacity, format, args);
            if (length < 0) return;
            var text = Encoding.UTF8.GetString(buffer, Math.Min(length, capacity - 1));
            log.Add(text.TrimEnd('\n', ' '));
        }
        catch
        {
            // An exception must not unwind into TFLite's C++ frames; losing one message is the lesser harm.
        }
    }
}
