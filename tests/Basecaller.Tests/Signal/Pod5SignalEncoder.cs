using ZstdSharp;

namespace Dipper.Basecaller.Tests.Signal;

/// <summary>Test-only VBZ encoder as POD5 writes it: zigzag deltas, svb16, zstd level 1.</summary>
internal static class Pod5SignalEncoder
{
    public static byte[] Svb16(ReadOnlySpan<short> samples)
    {
        var keyLength = (samples.Length + 7) / 8;
        var encoded = new byte[keyLength + 2 * samples.Length];
        var at = keyLength;
        short previous = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            var delta = (short)(samples[i] - previous);
            previous = samples[i];
            var zigzag = (ushort)((delta << 1) ^ (delta >> 15));
            encoded[at++] = (byte)zigzag;
            if (zigzag > 0xFF)
            {
                encoded[at++] = (byte)(zigzag >> 8);
                encoded[i >> 3] |= (byte)(1 << (i & 7));
            }
        }
        return encoded[..at];
    }

    public static byte[] Vbz(ReadOnlySpan<short> samples, Compressor compressor) => compressor.Wrap(Svb16(samples)).ToArray();
}
