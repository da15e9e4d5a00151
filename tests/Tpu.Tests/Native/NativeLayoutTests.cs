using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Tests.Native;

/// <summary>Struct layouts must match the C headers byte for byte (LP64: x86-64 and AArch64 Linux).</summary>
public sealed class NativeLayoutTests
{
    [Fact]
    public void Edgetpu_device_is_a_4_byte_enum_padded_to_a_pointer_at_offset_8()
    {
        Assert.Equal(16, Unsafe.SizeOf<EdgeTpuDeviceNative>());
        Assert.Equal(8, (int)Marshal.OffsetOf<EdgeTpuDeviceNative>(nameof(EdgeTpuDeviceNative.Path)));
        Assert.Equal(4, Unsafe.SizeOf<EdgeTpuDeviceType>());
    }

    [Fact]
    public void Edgetpu_option_is_two_pointers()
    {
        Assert.Equal(16, Unsafe.SizeOf<EdgeTpuOptionNative>());
        Assert.Equal(8, (int)Marshal.OffsetOf<EdgeTpuOptionNative>(nameof(EdgeTpuOptionNative.Value)));
    }

    [Fact]
    public void Tflite_quantization_params_are_a_float_then_an_int32()
    {
        Assert.Equal(8, Unsafe.SizeOf<TfLiteQuantizationParams>());
        Assert.Equal(4, Unsafe.SizeOf<TfLiteStatus>());
        Assert.Equal(4, Unsafe.SizeOf<TfLiteType>());
    }

    [Fact]
    public void Xnnpack_delegate_options_are_two_32_bit_fields_in_8_bytes_as_in_tflite_2_9()
    {
        Assert.Equal(8, Unsafe.SizeOf<TfLiteXNNPackDelegateOptions>());
        Assert.Equal(4, (int)Marshal.OffsetOf<TfLiteXNNPackDelegateOptions>(nameof(TfLiteXNNPackDelegateOptions.Flags)));
    }

    [Fact]
    public void Libusb_device_descriptor_is_18_bytes_with_the_ids_at_offsets_8_and_10()
    {
        Assert.Equal(18, Unsafe.SizeOf<LibUsbDeviceDescriptor>());
        Assert.Equal(8, (int)Marshal.OffsetOf<LibUsbDeviceDescriptor>(nameof(LibUsbDeviceDescriptor.VendorId)));
        Assert.Equal(10, (int)Marshal.OffsetOf<LibUsbDeviceDescriptor>(nameof(LibUsbDeviceDescriptor.ProductId)));
        Assert.Equal(17, (int)Marshal.OffsetOf<LibUsbDeviceDescriptor>(nameof(LibUsbDeviceDescriptor.ConfigurationCount)));
    }

    [Fact]
    public void Timeval_and_libusb_version_have_their_64_bit_layouts()
    {
        Assert.Equal(16, Unsafe.SizeOf<TimeVal>());
        Assert.Equal(24, Unsafe.SizeOf<LibUsbVersion>());
        Assert.Equal(8, (int)Marshal.OffsetOf<LibUsbVersion>(nameof(LibUsbVersion.ReleaseCandidate)));
    }
}
