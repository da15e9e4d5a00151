using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Lite;

public sealed class TfliteInterpreterTests
{
    public TfliteInterpreterTests() => TfliteLibrary.Require();

    [Fact]
    public void Runtime_reports_its_tensorflow_version()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+", TfliteRuntime.Version);
    }

    [Fact]
    public void Float_conv_and_dense_model_gives_the_hand_computed_scores()
    {
        using var model = TfliteModel.FromBytes(TestModels.FloatConvDense());
        using var interpreter = new TfliteInterpreter(model);
        interpreter.AllocateTensors();
        var image = Enumerable.Range(1, 9).Select(v => (float)v).ToArray(); // x[h,w] = 3h + w + 1
        interpreter.Inputs[0].CopyFrom<float>(image);
        interpreter.Invoke();
        var scores = new float[3];
        interpreter.Outputs[0].CopyTo<float>(scores);

        // Conv, by hand: channel 0 = x[h,w] + x[h+1,w+1] + 0.5 → 6.5, 8.5, 12.5, 14.5;
        // channel 1 = x[h,w+1] − x[h+1,w] − 1 → −3 everywhere. NHWC flattening interleaves them.
        float[] features = [6.5f, -3, 8.5f, -3, 12.5f, -3, 14.5f, -3];
        Assert.Equal(features, Conv(image));
        // Row 0 sums: 42 − 12 = 30. Row 1 takes channel 0: 42 + 1 = 43.
        Assert.Equal(30f, scores[0], tolerance: 1e-4);
        Assert.Equal(43f, scores[1], tolerance: 1e-4);
        Assert.Equal(Dense(features, 2), scores[2], tolerance: 1e-4);
    }

    [Fact]
    public void Float_model_reports_names_types_and_shapes()
    {
        using var model = TfliteModel.FromBytes(TestModels.FloatConvDense());
        using var interpreter = new TfliteInterpreter(model, new TfliteInterpreterOptions { Threads = 2 });
        interpreter.AllocateTensors();
        var input = Assert.Single(interpreter.Inputs);
        var output = Assert.Single(interpreter.Outputs);
        Assert.Equal("image", input.Name);
        Assert.Equal(TfLiteType.Float32, input.Type);
        Assert.Equal([1, 3, 3, 1], input.Shape);
        Assert.Equal(9 * 4, input.ByteSize);
        Assert.Equal(new TfLiteQuantizationParams(0, 0), input.Quantization);
        Assert.Equal("scores", output.Name);
        Assert.Equal([1, 3], output.Shape);
    }

    [Fact]
    public void Int8_dense_model_gives_the_hand_computed_quantised_outputs()
    {
        using var model = TfliteModel.FromBytes(TestModels.Int8Dense());
        using var interpreter = new TfliteInterpreter(model);
        interpreter.AllocateTensors();
        var input = interpreter.Inputs[0];
        var output = interpreter.Outputs[0];
        Assert.Equal(TfLiteType.Int8, input.Type);
        Assert.Equal(new TfLiteQuantizationParams(TestModels.Int8InputScale, TestModels.Int8InputZeroPoint), input.Quantization);
        Assert.Equal(new TfLiteQuantizationParams(TestModels.Int8OutputScale, TestModels.Int8OutputZeroPoint), output.Quantization);

        // Real x = [1, 2, −0.5, 3] → q = x / 0.5 − 1 = [1, 3, −2, 5].
        input.CopyFrom<sbyte>([1, 3, -2, 5]);
        interpreter.Invoke();
        var q = new sbyte[2];
        output.CopyTo<sbyte>(q);

        // y0 = 1·1 + 2·2 + (−0.5)(−1) + 3·0 + 1 = 6.5 → q = 6.5 / 0.125 + 3 = 55.
        // y1 = (1 + 2 − 0.5 + 3)·0.25 − 2 = −0.625 → q = −5 + 3 = −2.
        Assert.Equal([55, -2], q);
        Assert.Equal(6.5f, TestModels.Int8OutputScale * (q[0] - TestModels.Int8OutputZeroPoint));
        Assert.Equal(-0.625f, TestModels.Int8OutputScale * (q[1] - TestModels.Int8OutputZeroPoint));
    }

    [Fact]
    public void Copying_a_buffer_of_the_wrong_type_or_size_is_refused_before_reaching_tflite()
    {
        using var model = TfliteModel.FromBytes(TestModels.Int8Dense());
        using var interpreter = new TfliteInterpreter(model);
        interpreter.AllocateTensors();
        Assert.Throws<ArgumentException>(() => interpreter.Inputs[0].CopyFrom<float>(new float[4]));
        Assert.Throws<ArgumentException>(() => interpreter.Inputs[0].CopyFrom<sbyte>(new sbyte[3]));
    }

    [Fact]
    public void Bytes_that_are_not_a_model_are_reported_with_their_source()
    {
        var e = Assert.Throws<InvalidDataException>(() => TfliteModel.FromBytes(new byte[64], "garbage.tflite"));
        Assert.Contains("garbage.tflite", e.Message);
    }

    [Fact]
    public void Missing_model_file_is_reported_with_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dipper-missing-{Guid.NewGuid():N}.tflite");
        var e = Assert.Throws<FileNotFoundException>(() => TfliteModel.FromFile(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Model_from_a_file_runs_like_the_same_bytes_from_memory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dipper-{Guid.NewGuid():N}.tflite");
        File.WriteAllBytes(path, TestModels.Int8Dense());
        try
        {
            using var model = TfliteModel.FromFile(path);
            using var interpreter = new TfliteInterpreter(model);
            interpreter.AllocateTensors();
            interpreter.Inputs[0].CopyFrom<sbyte>([1, 3, -2, 5]);
            interpreter.Invoke();
            var q = new sbyte[2];
            interpreter.Outputs[0].CopyTo<sbyte>(q);
            Assert.Equal([55, -2], q);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Model_disposed_before_its_interpreter_stays_usable_until_the_interpreter_goes()
    {
        var model = TfliteModel.FromBytes(TestModels.Int8Dense());
        using var interpreter = new TfliteInterpreter(model);
        model.Dispose(); // the interpreter's reference keeps the native model and its bytes alive
        GC.Collect();
        GC.WaitForPendingFinalizers();
        interpreter.AllocateTensors();
        interpreter.Inputs[0].CopyFrom<sbyte>([1, 3, -2, 5]);
        interpreter.Invoke();
        var q = new sbyte[2];
        interpreter.Outputs[0].CopyTo<sbyte>(q);
        Assert.Equal([55, -2], q);
    }

    [Fact]
    public void Using_a_disposed_interpreter_throws_instead_of_touching_freed_memory()
    {
        using var model = TfliteModel.FromBytes(TestModels.Int8Dense());
        var interpreter = new TfliteInterpreter(model);
        var input = interpreter.Inputs[0];
        interpreter.Dispose();
        Assert.Throws<ObjectDisposedException>(() => input.Shape);
    }

    [Fact]
    public void Unresolved_custom_op_fails_with_tflites_own_message()
    {
        var b = new TfliteModelBuilder();
        var x = b.Tensor("x", Dipper.Tpu.Schema.TensorType.FLOAT32, [1, 4]);
        var y = b.Tensor("y", Dipper.Tpu.Schema.TensorType.FLOAT32, [1, 4]);
        b.Custom("edgetpu-custom-op", [x], [y]);
        using var model = TfliteModel.FromBytes(b.Signature([x], [y]).Build(), "tpu-only");
        var e = Record.Exception(() =>
        {
            using var interpreter = new TfliteInterpreter(model);
            interpreter.AllocateTensors();
        });
        var failure = Assert.IsAssignableFrom<TfliteException>(e);
        Assert.Contains("edgetpu-custom-op", failure.Message);
        Assert.Contains("tpu-only", failure.Message);
    }

    private static float[] Conv(float[] image)
    {
        var features = new float[8];
        for (var h = 0; h < 2; h++)
        for (var w = 0; w < 2; w++)
        for (var c = 0; c < 2; c++)
        {
            var sum = TestModels.ConvBias[c];
            for (var i = 0; i < 2; i++)
            for (var j = 0; j < 2; j++)
                sum += image[(h + i) * 3 + w + j] * TestModels.ConvFilter[c * 4 + i * 2 + j];
            features[(h * 2 + w) * 2 + c] = sum;
        }
        return features;
    }

    private static float Dense(float[] features, int row)
    {
        var sum = TestModels.DenseBias[row];
        for (var k = 0; k < 8; k++) sum += features[k] * TestModels.DenseWeights[row * 8 + k];
        return sum;
    }
}
