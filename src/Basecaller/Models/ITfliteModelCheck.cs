namespace Dipper.Basecaller.Models;

/// <summary>
/// The TFLite half of a package's validation: run the package's TFLite model once, or check a model compiled for
/// the Edge TPU. The model package has one home, here in Dipper.Basecaller (manifest, validator, store,
/// activation), because both programs and Dipper.Tpu reference this assembly; running a TFLite model needs the
/// TFLite C library, which lives in Dipper.Tpu (it references this assembly, not the other way round), so that
/// one check is handed in through this interface (Dipper.Tpu.Models.TfliteTestInference) by the program.
/// </summary>
public interface ITfliteModelCheck
{
    /// <summary>Runs or checks the TFLite model at <paramref name="path"/> against <paramref name="package"/>'s manifest.</summary>
    /// <param name="package">The package the model belongs to (its manifest says the shapes to expect).</param>
    /// <param name="path">Absolute path of the model file.</param>
    /// <param name="mustBeCompiledForEdgeTpu">True for the file named as the Edge TPU model (<c>tfliteEdgeTpu</c>).</param>
    /// <exception cref="ModelPackageRejectedException">The model does not load, fails, or disagrees with the manifest.</exception>
    void Check(ModelPackage package, string path, bool mustBeCompiledForEdgeTpu);
}
