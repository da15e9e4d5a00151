using System.Buffers.Binary;
using System.Text;

namespace Dipper.Compiler.Import;

/// <summary>
/// The subset of Python's pickle virtual machine that <c>torch.save</c> emits (protocols 2 to 4).
/// A checkpoint's <c>data.pkl</c> is a small program; running it rebuilds the saved object. Python
/// values come out as plain .NET values: <c>str</c> → <see cref="string"/>, <c>int</c> → <see cref="long"/>,
/// <c>float</c> → <see cref="double"/>, <c>bool</c>, <c>None</c> → null, <c>bytes</c> → byte[],
/// tuple → object?[], list → <see cref="List{T}"/>, dict → <see cref="OrderedDictionary{TKey,TValue}"/>
/// (insertion order kept, as in Python). Everything that names code goes through an <see cref="IPickleHost"/>.
/// </summary>
public sealed class PickleMachine
{
    private readonly IPickleHost _host;
    private readonly string _source;

    /// <summary>Creates a machine whose globals, calls and persistent ids are resolved by <paramref name="host"/>.</summary>
    /// <param name="host">Gives meaning to globals and persistent ids.</param>
    /// <param name="source">Names the pickle in error messages (e.g. "model.pth:archive/data.pkl").</param>
    public PickleMachine(IPickleHost host, string source)
    {
        _host = host;
        _source = source;
    }

    /// <summary>Runs the pickle program to its STOP opcode and returns the object it built.</summary>
    /// <exception cref="CheckpointFormatException">Unknown opcode or global, truncated data, or a malformed program; the message names the byte offset.</exception>
    public object? Load(ReadOnlySpan<byte> pickle)
    {
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>();
        var pos = 0;
        while (true)
        {
            var at = pos;
            if (pos >= pickle.Length)
                throw Error(at, "pickle ends without a STOP opcode");
            var op = pickle[pos++];
            try
            {
                switch (op)
                {
                    case 0x80: // PROTO
                        var protocol = Take(pickle, ref pos, 1)[0];
                        if (protocol > 5) throw Error(at, $"pickle protocol {protocol} is newer than 5");
                        break;
                    case 0x95: // FRAME: a length hint for buffered readers; the whole pickle is in memory
                        Take(pickle, ref pos, 8);
                        break;
                    case (byte)'.': // STOP
                        return Pop(stack, at);
                    case (byte)'(': // MARK
                        marks.Push(stack.Count);
                        break;
                    case (byte)'}': // EMPTY_DICT
                        stack.Add(new OrderedDictionary<object, object?>());
                        break;
                    case (byte)']': // EMPTY_LIST
                        stack.Add(new List<object?>());
                        break;
                    case (byte)')': // EMPTY_TUPLE
                        stack.Add(Array.Empty<object?>());
                        break;
                    case (byte)'N': // NONE
                        stack.Add(null);
                        break;
                    case 0x88: // NEWTRUE
                        stack.Add(true);
                        break;
                    case 0x89: // NEWFALSE
                        stack.Add(false);
                        break;
                    case (byte)'J': // BININT
                        stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(pickle, ref pos, 4)));
                        break;
                    case (byte)'K': // BININT1
                        stack.Add((long)Take(pickle, ref pos, 1)[0]);
                        break;
                    case (byte)'M': // BININT2
                        stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(pickle, ref pos, 2)));
                        break;
                    case 0x8a: // LONG1: little-endian two's complement of the given byte count
                        stack.Add(ReadLong(Take(pickle, ref pos, Take(pickle, ref pos, 1)[0]), at));
                        break;
                    case (byte)'G': // BINFLOAT: big-endian IEEE double
                        stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(pickle, ref pos, 8)));
                        break;
                    case (byte)'X': // BINUNICODE
                        stack.Add(Encoding.UTF8.GetString(Take(pickle, ref pos, Length32(pickle, ref pos, at))));
                        break;
                    case 0x8c: // SHORT_BINUNICODE
                        stack.Add(Encoding.UTF8.GetString(Take(pickle, ref pos, Take(pickle, ref pos, 1)[0])));
                        break;
                    case (byte)'T': // BINSTRING (Python 2 str)
                        stack.Add(Encoding.Latin1.GetString(Take(pickle, ref pos, Length32(pickle, ref pos, at))));
                        break;
                    case (byte)'U': // SHORT_BINSTRING (Python 2 str)
                        stack.Add(Encoding.Latin1.GetString(Take(pickle, ref pos, Take(pickle, ref pos, 1)[0])));
                        break;
                    case (byte)'B': // BINBYTES
                        stack.Add(Take(pickle, ref pos, Length32(pickle, ref pos, at)).ToArray());
                        break;
                    case (byte)'C': // SHORT_BINBYTES
                        stack.Add(Take(pickle, ref pos, Take(pickle, ref pos, 1)[0]).ToArray());
                        break;
                    case (byte)'q': // BINPUT
                        memo[Take(pickle, ref pos, 1)[0]] = Peek(stack, at);
                        break;
                    case (byte)'r': // LONG_BINPUT
                        memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(pickle, ref pos, 4))] = Peek(stack, at);
                        break;
                    case 0x94: // MEMOIZE
                        memo[memo.Count] = Peek(stack, at);
                        break;
                    case (byte)'h': // BINGET
                        stack.Add(Recall(memo, Take(pickle, ref pos, 1)[0], at));
                        break;
                    case (byte)'j': // LONG_BINGET
                        stack.Add(Recall(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(pickle, ref pos, 4)), at));
                        break;
                    case (byte)'c': // GLOBAL: "module\nname\n"
                        var module = ReadLine(pickle, ref pos, at);
                        var name = ReadLine(pickle, ref pos, at);
                        stack.Add(_host.ResolveGlobal(new PickleGlobal(module, name)));
                        break;
                    case 0x93: // STACK_GLOBAL
                        var globalName = Pop(stack, at) as string ?? throw Error(at, "STACK_GLOBAL name is not a string");
                        var globalModule = Pop(stack, at) as string ?? throw Error(at, "STACK_GLOBAL module is not a string");
                        stack.Add(_host.ResolveGlobal(new PickleGlobal(globalModule, globalName)));
                        break;
                    case (byte)'t': // TUPLE
                        stack.Add(PopToMark(stack, marks, at).ToArray());
                        break;
                    case 0x85: // TUPLE1
                    case 0x86: // TUPLE2
                    case 0x87: // TUPLE3
                        var count = op - 0x84;
                        if (stack.Count < count) throw Error(at, "stack underflow");
                        var tuple = stack.GetRange(stack.Count - count, count).ToArray();
                        stack.RemoveRange(stack.Count - count, count);
                        stack.Add(tuple);
                        break;
                    case (byte)'l': // LIST
                        stack.Add(PopToMark(stack, marks, at));
                        break;
                    case (byte)'a': // APPEND
                        var item = Pop(stack, at);
                        AsList(Peek(stack, at), at).Add(item);
                        break;
                    case (byte)'e': // APPENDS
                        var items = PopToMark(stack, marks, at);
                        AsList(Peek(stack, at), at).AddRange(items);
                        break;
                    case (byte)'d': // DICT
                        var dict = new OrderedDictionary<object, object?>();
                        SetItems(dict, PopToMark(stack, marks, at), at);
                        stack.Add(dict);
                        break;
                    case (byte)'s': // SETITEM
                        var value = Pop(stack, at);
                        var key = Pop(stack, at);
                        SetItems(AsDict(Peek(stack, at), at), [key, value], at);
                        break;
                    case (byte)'u': // SETITEMS
                        var pairs = PopToMark(stack, marks, at);
                        SetItems(AsDict(Peek(stack, at), at), pairs, at);
                        break;
                    case (byte)'Q': // BINPERSID
                        stack.Add(_host.PersistentLoad(Pop(stack, at)));
                        break;
                    case (byte)'R': // REDUCE
                    case 0x81: // NEWOBJ
                        var arguments = Pop(stack, at) as object?[] ?? throw Error(at, "call arguments are not a tuple");
                        var callable = Pop(stack, at) ?? throw Error(at, "call of None");
                        stack.Add(_host.Call(callable, arguments));
                        break;
                    case (byte)'b': // BUILD
                        var state = Pop(stack, at);
                        _host.SetState(Peek(stack, at) ?? throw Error(at, "BUILD on None"), state);
                        break;
                    case (byte)'0': // POP
                        if (marks.Count > 0 && marks.Peek() == stack.Count) marks.Pop();
                        else Pop(stack, at);
                        break;
                    case (byte)'1': // POP_MARK
                        PopToMark(stack, marks, at);
                        break;
                    case (byte)'2': // DUP
                        stack.Add(Peek(stack, at));
                        break;
                    default:
                        throw Error(at, $"unsupported pickle opcode 0x{op:x2} ('{(op is >= 32 and < 127 ? (char)op : '?')}')");
                }
            }
            catch (NotSupportedException e)
            {
                throw Error(at, e.Message, e);
            }
            catch (InvalidDataException e)
            {
                throw Error(at, e.Message, e);
            }
        }
    }

    private CheckpointFormatException Error(int offset, string problem, Exception? inner = null)
    {
        var message = $"{_source}: offset {offset}: {problem}";
        return inner is null ? new CheckpointFormatException(message) : new CheckpointFormatException(message, inner);
    }

    private ReadOnlySpan<byte> Take(ReadOnlySpan<byte> pickle, ref int pos, int count)
    {
        if (count < 0 || pos + count > pickle.Length)
            throw Error(pos, $"pickle truncated: needs {count} more bytes, has {pickle.Length - pos}");
        var span = pickle.Slice(pos, count);
        pos += count;
        return span;
    }

    private int Length32(ReadOnlySpan<byte> pickle, ref int pos, int at)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(Take(pickle, ref pos, 4));
        if (length > int.MaxValue) throw Error(at, $"string of {length} bytes is too long");
        return (int)length;
    }

    private string ReadLine(ReadOnlySpan<byte> pickle, ref int pos, int at)
    {
        var end = pickle[pos..].IndexOf((byte)'\n');
        if (end < 0) throw Error(at, "GLOBAL name is not terminated by a newline");
        var line = Encoding.ASCII.GetString(pickle.Slice(pos, end));
        pos += end + 1;
        return line;
    }

    private long ReadLong(ReadOnlySpan<byte> bytes, int at)
    {
        if (bytes.Length > 8) throw Error(at, $"integer of {bytes.Length} bytes does not fit in 64 bits");
        if (bytes.Length == 0) return 0;
        long value = 0;
        for (var i = bytes.Length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        var unused = 64 - 8 * bytes.Length;
        return unused == 0 ? value : (value << unused) >> unused; // sign-extend
    }

    private object? Pop(List<object?> stack, int at)
    {
        if (stack.Count == 0) throw Error(at, "stack underflow");
        var top = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return top;
    }

    private object? Peek(List<object?> stack, int at) =>
        stack.Count > 0 ? stack[^1] : throw Error(at, "stack underflow");

    private List<object?> PopToMark(List<object?> stack, Stack<int> marks, int at)
    {
        if (marks.Count == 0) throw Error(at, "no MARK on the stack");
        var mark = marks.Pop();
        if (mark > stack.Count) throw Error(at, "MARK lies above the stack top");
        var items = stack.GetRange(mark, stack.Count - mark);
        stack.RemoveRange(mark, stack.Count - mark);
        return items;
    }

    private object? Recall(Dictionary<long, object?> memo, long index, int at) =>
        memo.TryGetValue(index, out var value) ? value : throw Error(at, $"memo slot {index} was never written");

    private List<object?> AsList(object? target, int at) =>
        target as List<object?> ?? throw Error(at, $"cannot append to {Describe(target)}");

    private OrderedDictionary<object, object?> AsDict(object? target, int at) =>
        target as OrderedDictionary<object, object?> ?? throw Error(at, $"cannot set items on {Describe(target)}");

    private void SetItems(OrderedDictionary<object, object?> dict, List<object?> pairs, int at)
    {
        if (pairs.Count % 2 != 0) throw Error(at, "odd number of values for key/value pairs");
        for (var i = 0; i < pairs.Count; i += 2)
            dict[pairs[i] ?? throw Error(at, "None as a dict key is not supported")] = pairs[i + 1];
    }

    /// <summary>Names a Python value's kind for error messages.</summary>
    internal static string Describe(object? value) => value switch
    {
        null => "None",
        string => "str",
        long => "int",
        double => "float",
        bool => "bool",
        object?[] => "tuple",
        List<object?> => "list",
        OrderedDictionary<object, object?> => "dict",
        _ => value.GetType().Name,
    };
}
