using System.IO.Compression;
using System.Text;

namespace Dipper.Compiler.Import;

/// <summary>
/// Reads a PyTorch checkpoint (<c>torch.save</c> zip format, PyTorch ≥ 1.6) holding a state_dict,
/// without Python: the zip holds <c>NAME/data.pkl</c> (a pickle that describes the tensors) and one
/// raw little-endian storage per tensor buffer under <c>NAME/data/KEY</c>.
/// </summary>
public static class TorchCheckpoint
{
    /// <summary>Loads every tensor of a state_dict checkpoint, in checkpoint order.</summary>
    /// <exception cref="CheckpointFormatException">The file is not a readable state_dict checkpoint; the message names the file and, for pickle problems, the offset.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static StateDict Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetFileName(path));
    }

    /// <summary>Loads a state_dict checkpoint from a seekable stream; <paramref name="name"/> is used in error messages.</summary>
    /// <exception cref="CheckpointFormatException">The stream is not a readable state_dict checkpoint.</exception>
    public static StateDict Read(Stream stream, string name)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException($"{name}: not a zip-format PyTorch checkpoint (the legacy pre-1.6 format is not supported): {e.Message}", e);
        }
        using (zip)
        {
            try
            {
                return Read(zip, name);
            }
            catch (InvalidDataException e)
            {
                // Damaged zip entries (bad deflate data, CRC) surface while reading an entry.
                throw new CheckpointFormatException($"{name}: damaged archive: {e.Message}", e);
            }
        }
    }

    private static StateDict Read(ZipArchive zip, string name)
    {
        var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                                             && e.FullName.IndexOf('/') == e.FullName.Length - "/data.pkl".Length).ToList();
        if (pickles.Count != 1)
            throw new CheckpointFormatException($"{name}: expected one NAME/data.pkl in the archive, found {pickles.Count}");
        var prefix = pickles[0].FullName[..^"/data.pkl".Length];

        if (zip.GetEntry($"{prefix}/byteorder") is { } byteOrderEntry)
        {
            var order = ReadAll(byteOrderEntry);
            if (Encoding.ASCII.GetString(order).Trim() != "little")
                throw new CheckpointFormatException($"{name}: storages are not little-endian ({prefix}/byteorder)");
        }

        var machine = new PickleMachine(new TorchPickleHost(zip, prefix), $"{name}:{pickles[0].FullName}");
        var root = machine.Load(ReadAll(pickles[0]));
        if (root is not OrderedDictionary<object, object?> dict)
            throw new CheckpointFormatException($"{name}: the checkpoint holds a {PickleMachine.Describe(root)}, not a state_dict");

        var tensors = new List<KeyValuePair<string, CheckpointTensor>>(dict.Count);
        foreach (var (key, value) in dict)
        {
            if (key is not string tensorName || value is not CheckpointTensor tensor)
                throw new CheckpointFormatException($"{name}: state_dict entry '{key}' is a {PickleMachine.Describe(value)}, not a tensor");
            tensors.Add(new(tensorName, tensor));
        }
        return new StateDict(tensors);
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        var bytes = new byte[entry.Length];
        using var stream = entry.Open();
        stream.ReadExactly(bytes);
        return bytes;
    }
}
