namespace Dipper.Tpu.Schema;

/// <summary>
/// Stands in for the version check that flatc 2.0.8 writes into every generated table
/// (<c>ValidateVersion()</c> calls <c>FlatBufferConstants.FLATBUFFERS_2_0_8()</c>). The Google.FlatBuffers
/// 25.x runtime only defines the check for its own version, so the generated code would not compile.
/// The 2.0.8 output uses only runtime members that 25.x still has (Table, ByteBuffer, FlatBufferBuilder),
/// which the model round-trip tests confirm. Because this class sits in the generated code's own
/// namespace, C# name lookup finds it before the runtime's class of the same name.
/// </summary>
internal static class FlatBufferConstants
{
    /// <summary>Accepts the generated code's version marker.</summary>
    public static void FLATBUFFERS_2_0_8()
    {
    }
}
