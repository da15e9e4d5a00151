namespace Dipper.Device.Tests.Service;

/// <summary>Tests that run the service (in-process or as a process) with the real model: alone, so their timing is not at the mercy of other tests.</summary>
[CollectionDefinition(nameof(ServiceRuns), DisableParallelization = true)]
public sealed class ServiceRuns;
