namespace Dipper.Compiler.Training;

/// <summary>libtorch cannot be loaded here, so nothing can be trained; the message says what to install or run.</summary>
public sealed class TrainingUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
