using Dipper.Compiler.Commands;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

/// <summary>Runs <c>dipper finetune</c> in process as the tests do: its output and errors go to the test log and come back for assertions.</summary>
internal static class FinetuneRun
{
    public static async Task<(int Code, string Output, string Errors)> RunAsync(FinetuneCommand.Request request, ITestOutputHelper log)
    {
        var (output, errors) = (new StringWriter(), new StringWriter());
        var code = await FinetuneCommand.RunAsync(request, output, errors, terminal: false, CancellationToken.None);
        log.WriteLine(output.ToString());
        log.WriteLine(errors.ToString());
        return (code, output.ToString(), errors.ToString());
    }
}
