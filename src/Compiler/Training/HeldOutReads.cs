using System.Security.Cryptography;
using System.Text;

namespace Dipper.Compiler.Training;

/// <summary>
/// Which reads a training run holds out for validation, for distillation's unlabelled reads and for a label set's
/// chunks alike: one read in N, chosen by a hash of its id, so the choice depends on the read alone (the same on
/// every run, on resume, whatever order the files come in) and no chunk of a held-out read is ever trained on.
/// </summary>
public static class HeldOutReads
{
    /// <summary>
    /// Whether read <paramref name="readId"/> is held out: one read in <paramref name="every"/>, by the first bytes
    /// of SHA-256 of its id.
    /// </summary>
    public static bool Contains(string readId, int every)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 2);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(readId));
        return BitConverter.ToUInt32(hash, 0) % (uint)every == 0;
    }
}
