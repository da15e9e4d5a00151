using Dipper.Tpu.Native;

namespace Dipper.Tpu.Lite;

/// <summary>
/// One TFLite interpreter: a model prepared for execution, with its own tensors. Not thread-safe (TFLite's
/// interpreter is not); use one per worker. Disposal order towards the model and delegates is enforced by
/// the native handles, so this object can be disposed before or after them.
/// </summary>
public sealed class TfliteInterpreter : IDisposable
{
    private readonly TfLiteErrorLog errors = new();

    /// <summary>Builds the interpreter and applies the delegates.</summary>
    /// <exception cref="TfliteException">TFLite refused the model or a delegate (the message quotes TFLite's reason).</exception>
    public TfliteInterpreter(TfliteModel model, TfliteInterpreterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new TfliteInterpreterOptions();
        Source = model.Source;
        using var nativeOptions = TfLiteInterpreterOptionsHandle.Create(errors);
        if (options.Threads > 0) TfLiteNative.TfLiteInterpreterOptionsSetNumThreads(nativeOptions, options.Threads);
        foreach (var d in options.Delegates) nativeOptions.AddDelegate(d.Handle);
        Handle = TfLiteInterpreterHandle.Create(model.Handle, nativeOptions)
            ?? throw (options.Delegates.Count > 0
                ? new TfliteDelegateException(TfLiteStatus.DelegateError, "TfLiteInterpreterCreate", errors.Drain(), Source)
                : new TfliteException(TfLiteStatus.Error, "TfLiteInterpreterCreate", errors.Drain(), Source));
        Inputs = Enumerable.Range(0, TfLiteNative.TfLiteInterpreterGetInputTensorCount(Handle))
            .Select(i => new TfliteTensor(this, isInput: true, i)).ToArray();
        Outputs = Enumerable.Range(0, TfLiteNative.TfLiteInterpreterGetOutputTensorCount(Handle))
            .Select(i => new TfliteTensor(this, isInput: false, i)).ToArray();
    }

    /// <summary>The model's source, for messages.</summary>
    public string Source { get; }

    /// <summary>The model's input tensors, in signature order.</summary>
    public IReadOnlyList<TfliteTensor> Inputs { get; }

    /// <summary>The model's output tensors, in signature order.</summary>
    public IReadOnlyList<TfliteTensor> Outputs { get; }

    internal TfLiteInterpreterHandle Handle { get; }

    /// <summary>Changes an input's shape (e.g. the batch); call <see cref="AllocateTensors"/> afterwards.</summary>
    public unsafe void ResizeInput(int index, ReadOnlySpan<int> shape)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Inputs.Count);
        errors.Drain();
        fixed (int* dims = shape)
        {
            TfliteException.ThrowIfFailed(
                TfLiteNative.TfLiteInterpreterResizeInputTensor(Handle, index, dims, shape.Length),
                "TfLiteInterpreterResizeInputTensor", errors, Source);
        }
    }

    /// <summary>Plans and allocates tensor memory; needed once before the first <see cref="Invoke"/> and after a resize.</summary>
    public void AllocateTensors()
    {
        errors.Drain();
        TfliteException.ThrowIfFailed(TfLiteNative.TfLiteInterpreterAllocateTensors(Handle), "TfLiteInterpreterAllocateTensors", errors, Source);
    }

    /// <summary>Runs the model on the current input tensors.</summary>
    /// <exception cref="TfliteException">A kernel or delegate failed (e.g. the Edge TPU was unplugged).</exception>
    public void Invoke()
    {
        errors.Drain();
        TfliteException.ThrowIfFailed(TfLiteNative.TfLiteInterpreterInvoke(Handle), "TfLiteInterpreterInvoke", errors, Source);
    }

    /// <summary>Releases the interpreter; the model and delegates it used may then be freed.</summary>
    public void Dispose() => Handle.Dispose();

    internal nint TensorPointer(bool isInput, int index) => isInput
        ? TfLiteNative.TfLiteInterpreterGetInputTensor(Handle, index)
        : TfLiteNative.TfLiteInterpreterGetOutputTensor(Handle, index);

    internal void ThrowIfFailed(TfLiteStatus status, string operation) => TfliteException.ThrowIfFailed(status, operation, errors, Source);
}
