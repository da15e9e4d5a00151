using System.Buffers.Binary;
using System.IO.Compression;

namespace Dipper.Compiler.Import;

/// <summary>
/// The Python names a <c>torch.save</c>d state_dict uses, and nothing more: <c>collections.OrderedDict</c>,
/// the tensor rebuild functions and the float32/int64 storage classes. Storages are read from the
/// checkpoint zip when a persistent id names them, once per storage key, since views share storages.
/// </summary>
internal sealed class TorchPickleHost : IPickleHost
{
    private static readonly PickleGlobal OrderedDict = new("collections", "OrderedDict");
    private static readonly PickleGlobal RebuildTensor = new("torch._utils", "_rebuild_tensor_v2");
    private static readonly PickleGlobal RebuildParameter = new("torch._utils", "_rebuild_parameter");

    private readonly ZipArchive _zip;
    private readonly string _prefix;
    private readonly Dictionary<string, Array> _storages = [];

    /// <summary>Reads storages from <paramref name="zip"/> under <c>prefix/data/</c>.</summary>
    public TorchPickleHost(ZipArchive zip, string prefix)
    {
        _zip = zip;
        _prefix = prefix;
    }

    /// <summary>A storage class such as <c>torch.FloatStorage</c>, resolved to its element type.</summary>
    private sealed record StorageClass(PickleGlobal Global, CheckpointDType DType);

    /// <summary>A storage named by a persistent id: its element type, its key in the zip and its element count.</summary>
    private sealed record StorageReference(CheckpointDType DType, string Key, long ElementCount);

    public object ResolveGlobal(PickleGlobal global)
    {
        if (global == OrderedDict || global == RebuildTensor || global == RebuildParameter)
            return global;
        if (global.Module == "torch" && global.Name.EndsWith("Storage", StringComparison.Ordinal))
        {
            return global.Name switch
            {
                "FloatStorage" => new StorageClass(global, CheckpointDType.Float32),
                "LongStorage" => new StorageClass(global, CheckpointDType.Int64),
                _ => throw new NotSupportedException($"storage type {global} is not supported (only float32 and int64 tensors are)"),
            };
        }
        throw new NotSupportedException($"unsupported Python global {global} (a state_dict holds only OrderedDicts and tensors)");
    }

    public object? Call(object callable, IReadOnlyList<object?> arguments)
    {
        if (Equals(callable, OrderedDict))
        {
            if (arguments.Count != 0) throw new NotSupportedException("collections.OrderedDict called with arguments");
            return new OrderedDictionary<object, object?>();
        }
        if (Equals(callable, RebuildTensor))
            return Rebuild(arguments);
        if (Equals(callable, RebuildParameter))
        {
            // (data, requires_grad, backward_hooks): a Parameter is its tensor for inference.
            return arguments.Count >= 1 && arguments[0] is CheckpointTensor tensor
                ? tensor
                : throw new InvalidDataException("_rebuild_parameter without a tensor");
        }
        throw new NotSupportedException($"cannot call {PickleMachine.Describe(callable)} {callable}");
    }

    public void SetState(object target, object? state)
    {
        // torch.save keeps a state_dict's `_metadata` (per-module format versions) as OrderedDict
        // attributes. The tensors carry everything inference needs, so the state is dropped.
        if (target is OrderedDictionary<object, object?> && state is null or OrderedDictionary<object, object?>)
            return;
        throw new NotSupportedException($"cannot set state on {PickleMachine.Describe(target)}");
    }

    public object PersistentLoad(object? persistentId)
    {
        // ('storage', storage class, key, location, element count)
        if (persistentId is not object?[] { Length: 5 } id || id[0] is not "storage")
            throw new InvalidDataException($"unsupported persistent id ({PickleMachine.Describe(persistentId)}); expected ('storage', type, key, location, numel)");
        if (id[1] is not StorageClass storageClass)
            throw new InvalidDataException($"persistent id names {PickleMachine.Describe(id[1])}, not a storage class");
        if (id[2] is not string key || id[4] is not long count || count < 0)
            throw new InvalidDataException("persistent id has a malformed storage key or element count");
        return new StorageReference(storageClass.DType, key, count);
    }

    private CheckpointTensor Rebuild(IReadOnlyList<object?> arguments)
    {
        // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (arguments.Count is < 4 or > 7)
            throw new InvalidDataException($"_rebuild_tensor_v2 called with {arguments.Count} arguments");
        if (arguments[0] is not StorageReference storage)
            throw new InvalidDataException($"_rebuild_tensor_v2: first argument is {PickleMachine.Describe(arguments[0])}, not a storage");
        if (arguments[1] is not long offset || offset < 0)
            throw new InvalidDataException("_rebuild_tensor_v2: storage offset is not a non-negative int");
        var shape = IntTuple(arguments[2], "size");
        var strides = IntTuple(arguments[3], "stride");
        if (shape.Length != strides.Length)
            throw new InvalidDataException($"_rebuild_tensor_v2: size has {shape.Length} dimensions, stride {strides.Length}");

        long count = 1;
        long lastIndex = offset;
        for (var d = 0; d < shape.Length; d++)
        {
            if (shape[d] < 0 || strides[d] < 0) throw new InvalidDataException("_rebuild_tensor_v2: negative size or stride");
            count *= shape[d];
            lastIndex += (long)(shape[d] - 1) * strides[d];
        }
        if (count > 0 && lastIndex >= storage.ElementCount)
            throw new InvalidDataException($"tensor view reaches element {lastIndex} of storage {storage.Key}, which has {storage.ElementCount}");

        var source = Load(storage);
        return storage.DType switch
        {
            CheckpointDType.Float32 => CheckpointTensor.FromFloats(shape, Gather((float[])source, shape, strides, offset, count)),
            _ => CheckpointTensor.FromLongs(shape, Gather((long[])source, shape, strides, offset, count)),
        };
    }

    private static int[] IntTuple(object? value, string what)
    {
        if (value is not object?[] tuple)
            throw new InvalidDataException($"_rebuild_tensor_v2: {what} is {PickleMachine.Describe(value)}, not a tuple");
        var result = new int[tuple.Length];
        for (var i = 0; i < tuple.Length; i++)
            result[i] = tuple[i] is long v && v <= int.MaxValue ? (int)v : throw new InvalidDataException($"_rebuild_tensor_v2: {what}[{i}] is not a small int");
        return result;
    }

    /// <summary>Copies a strided view into a dense row-major array.</summary>
    private static T[] Gather<T>(T[] storage, int[] shape, int[] strides, long offset, long count)
    {
        var result = new T[count];
        if (count == 0) return result;
        var index = new int[shape.Length];
        var source = offset;
        for (long i = 0; i < count; i++)
        {
            result[i] = storage[source];
            // Advance the multi-index like an odometer, last dimension fastest.
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                source += strides[d];
                if (++index[d] < shape[d]) break;
                source -= (long)strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return result;
    }

    private Array Load(StorageReference storage)
    {
        if (_storages.TryGetValue(storage.Key, out var cached))
            return cached;
        var entryName = $"{_prefix}/data/{storage.Key}";
        var entry = _zip.GetEntry(entryName) ?? throw new InvalidDataException($"storage {entryName} is missing from the archive");
        var elementSize = storage.DType == CheckpointDType.Float32 ? 4 : 8;
        if (entry.Length != storage.ElementCount * elementSize)
            throw new InvalidDataException($"storage {entryName} has {entry.Length} bytes, expected {storage.ElementCount} × {elementSize}");
        var bytes = new byte[entry.Length];
        using (var stream = entry.Open())
            stream.ReadExactly(bytes);
        Array values;
        if (storage.DType == CheckpointDType.Float32)
        {
            var floats = new float[storage.ElementCount];
            for (var i = 0; i < floats.Length; i++)
                floats[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
            values = floats;
        }
        else
        {
            var longs = new long[storage.ElementCount];
            for (var i = 0; i < longs.Length; i++)
                longs[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 * i));
            values = longs;
        }
        _storages[storage.Key] = values;
        return values;
    }
}
