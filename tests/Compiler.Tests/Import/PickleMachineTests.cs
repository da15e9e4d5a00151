using Dipper.Compiler.Import;

namespace Dipper.Compiler.Tests.Import;

public class PickleMachineTests
{
    /// <summary>Records calls and resolves only collections.OrderedDict.</summary>
    private sealed class OrderedDictHost : IPickleHost
    {
        public object ResolveGlobal(PickleGlobal global) =>
            global == new PickleGlobal("collections", "OrderedDict") ? global : throw new NotSupportedException($"unknown global {global}");

        public object? Call(object callable, IReadOnlyList<object?> arguments) => new OrderedDictionary<object, object?>();

        public void SetState(object target, object? state) => throw new NotSupportedException("no state");

        public object PersistentLoad(object? persistentId) => throw new NotSupportedException("no persistent ids");
    }

    private static object? Load(string hex) =>
        new PickleMachine(new OrderedDictHost(), "test.pkl").Load(Convert.FromHexString(hex));

    [Fact]
    public void Protocol_4_pickle_of_python_values_comes_back_as_dotnet_values()
    {
        // pickle.dumps({'name': 'e.encoder', 'ints': (0, 255, 65535, -1, 2**40, -2**63), 'float': -2.5,
        //               'flags': [True, False, None], 'nested': {1: b'ab'}}, protocol=4)
        var root = Load("80049573000000000000007d94288c046e616d65948c09652e656e636f646572948c04696e747394284b004bff4dffff4affffffff8a060000000000018a08000000000000008074948c05666c6f61749447c0040000000000008c05666c616773945d942888894e658c066e6573746564947d944b01430261629473752e");

        var dict = Assert.IsType<OrderedDictionary<object, object?>>(root);
        Assert.Equal(["name", "ints", "float", "flags", "nested"], dict.Keys.Cast<string>());
        Assert.Equal("e.encoder", dict["name"]);
        Assert.Equal(new object?[] { 0L, 255L, 65535L, -1L, 1L << 40, long.MinValue }, Assert.IsType<object?[]>(dict["ints"]));
        Assert.Equal(-2.5, dict["float"]);
        Assert.Equal(new object?[] { true, false, null }, Assert.IsType<List<object?>>(dict["flags"]));
        var nested = Assert.IsType<OrderedDictionary<object, object?>>(dict["nested"]);
        Assert.Equal("ab"u8.ToArray(), nested[1L]);
    }

    [Fact]
    public void Memoised_object_is_shared_not_copied()
    {
        // x = [1]; pickle.dumps((x, x), protocol=2): BINPUT then BINGET
        var tuple = Assert.IsType<object?[]>(Load("80025d71004b016168008671012e"));
        Assert.Same(tuple[0], tuple[1]);
        Assert.Equal(new object?[] { 1L }, (List<object?>)tuple[0]!);
    }

    [Fact]
    public void Stack_global_is_resolved_by_the_host_and_keeps_insertion_order()
    {
        // OrderedDict([('b', 2), ('a', 1)]), protocol 4: STACK_GLOBAL, REDUCE, SETITEMS
        var dict = Assert.IsType<OrderedDictionary<object, object?>>(Load("80049530000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0162944b028c0161944b01752e"));
        Assert.Equal(["b", "a"], dict.Keys.Cast<string>());
        Assert.Equal(2L, dict["b"]);
    }

    [Fact]
    public void Unknown_global_is_refused_with_its_name_and_offset()
    {
        // PROTO 2; GLOBAL 'os system' at offset 2; STOP
        var bytes = Convert.FromHexString("8002" + Convert.ToHexString("cos\nsystem\n"u8) + "2e");
        var e = Assert.Throws<CheckpointFormatException>(() => new PickleMachine(new OrderedDictHost(), "evil.pkl").Load(bytes));
        Assert.Contains("evil.pkl", e.Message);
        Assert.Contains("offset 2", e.Message);
        Assert.Contains("os.system", e.Message);
    }

    [Fact]
    public void Unknown_opcode_is_named_in_the_error()
    {
        var e = Assert.Throws<CheckpointFormatException>(() => Load("8002ff2e"));
        Assert.Contains("opcode 0xff", e.Message);
        Assert.Contains("offset 2", e.Message);
    }

    [Fact]
    public void Truncated_pickle_reports_the_missing_bytes()
    {
        // BINUNICODE claiming 9 bytes, but only 4 follow
        var e = Assert.Throws<CheckpointFormatException>(() => Load("80025809000000652e656e"));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Pickle_without_stop_is_an_error()
    {
        var e = Assert.Throws<CheckpointFormatException>(() => Load("80024b01"));
        Assert.Contains("STOP", e.Message);
    }
}
