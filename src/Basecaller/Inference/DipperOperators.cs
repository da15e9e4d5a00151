using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// Dipper's ONNX operators, the domain <c>ai.dipper</c>, as ONNX Runtime learns them through its C API's custom
/// operators: <see cref="TableLookupOperator"/> (an int8 model's swish, written by <c>dipper compile</c>) and
/// <see cref="DepthwiseConvolutionOperator"/> (an int8 model's depthwise convolutions, put in by the ONNX engine where
/// the CPU runs Dipper's kernel). ONNX Runtime has neither kernel of its own at this speed, so each is computed in C#. The
/// domain is added to a session's options before the session is made and must outlive the session.
/// </summary>
public sealed unsafe class DipperOperators : IDisposable
{
    /// <summary>The operators' ONNX domain; a model that uses one imports this domain at <see cref="DomainVersion"/>.</summary>
    public const string Domain = "ai.dipper";

    /// <summary>The domain's opset version.</summary>
    public const int DomainVersion = 1;

    private static ReadOnlySpan<byte> NativeDomain => "ai.dipper\0"u8;

    private readonly OnnxRuntimeNative _ort;
    private readonly DomainHandle _domain;

    /// <summary>Builds the operators and their domain in ONNX Runtime.</summary>
    /// <exception cref="InvalidOperationException">ONNX Runtime refused the domain or an operator.</exception>
    public DipperOperators()
    {
        _ort = OnnxRuntimeNative.Load();
        _domain = new DomainHandle(_ort, [TableLookupOperator.Describe(), DepthwiseConvolutionOperator.Describe()]);
        var status = _ort.CreateCustomOpDomain((nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(NativeDomain)), out var domain);
        Check(status, $"create the {Domain} operator domain");
        _domain.SetDomain(domain);
        foreach (var op in _domain.Operators) Check(_ort.CustomOpDomainAdd(domain, op), $"add an operator to {Domain}");
    }

    /// <summary>Lets sessions made from <paramref name="options"/> run models that use the operators.</summary>
    /// <exception cref="InvalidOperationException">ONNX Runtime refused the domain.</exception>
    public void AddTo(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_domain.IsClosed, this);
        Check(_ort.AddCustomOpDomain(options.DangerousGetHandle(), _domain.Domain), $"add the {Domain} operator domain to the session options");
    }

    /// <summary>Releases the domain; only after every session made with it is disposed.</summary>
    public void Dispose() => _domain.Dispose();

    private void Check(nint status, string what)
    {
        if (status == 0) return;
        var message = _ort.ErrorMessage(status);
        _ort.ReleaseStatus(status);
        throw new InvalidOperationException($"ONNX Runtime could not {what}: {message}");
    }

    /// <summary>The domain and the operator structs it points at, released together.</summary>
    private sealed class DomainHandle : SafeHandle
    {
        private readonly OnnxRuntimeNative _ort;

        public DomainHandle(OnnxRuntimeNative ort, nint[] operators) : base(0, ownsHandle: true)
        {
            _ort = ort;
            Operators = operators;
            // Valid once anything is owned: the operator structs are, from here on.
            SetHandle(1);
        }

        public nint[] Operators { get; }

        public nint Domain { get; private set; }

        public override bool IsInvalid => handle == 0;

        public void SetDomain(nint domain) => Domain = domain;

        protected override bool ReleaseHandle()
        {
            if (Domain != 0) _ort.ReleaseCustomOpDomain(Domain);
            foreach (var op in Operators) CustomOperatorTable.Free(op);
            return true;
        }
    }
}
