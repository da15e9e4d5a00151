using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dipper.Device.Status;

/// <summary>
/// The JSON of <c>GET /status</c>, written by code generated at build time rather than by getters System.Text.Json
/// builds by reflection at the first request. Under arm64 emulation the reflection path failed the first requests now
/// and then (a NullReferenceException in the generated Phase getter, a 500, then 200 a moment later); generated code
/// has no such first-use step, and costs the appliance no start-up work.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(StatusReport))]
internal sealed partial class StatusJson : JsonSerializerContext;
