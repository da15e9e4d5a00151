using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// Keeps a handle's native object alive for the span of a native call that takes a raw pointer derived from
/// it (a tensor pointer belongs to its interpreter): a concurrent Dispose then waits for the lease to end
/// instead of freeing memory under the call.
/// </summary>
internal ref struct HandleLease
{
    private readonly SafeHandle handle;
    private bool added;

    /// <summary>Adds a reference; throws <see cref="ObjectDisposedException"/> if the handle is already closed.</summary>
    internal HandleLease(SafeHandle handle)
    {
        this.handle = handle;
        handle.DangerousAddRef(ref added);
    }

    /// <summary>Releases the reference.</summary>
    public void Dispose()
    {
        if (added)
        {
            added = false;
            handle.DangerousRelease();
        }
    }
}
