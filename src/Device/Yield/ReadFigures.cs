namespace Dipper.Device.Yield;

/// <summary>What the yield figures keep of one called read until its file is committed.</summary>
/// <param name="Bases">Bases called.</param>
/// <param name="MeanQuality">Its mean quality (<see cref="Dipper.Basecaller.Decoding.MeanQuality"/>).</param>
public readonly record struct ReadFigures(int Bases, double MeanQuality);
