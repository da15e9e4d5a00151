namespace Dipper.Compiler.Calibration;

/// <summary>How an activation's int8 range is chosen from the values calibration saw.</summary>
public enum RangeMethod
{
    /// <summary>The smallest and largest value seen: nothing saturates, but one outlier stretches the step for every value.</summary>
    MinMax,

    /// <summary>Drop a small fraction at each tail (e.g. 0.01 %): outliers saturate, the bulk gets a finer step.</summary>
    Percentile,

    /// <summary>The range that minimises the mean squared quantisation error (rounding inside, saturation outside) over the values seen.</summary>
    Mse,
}
