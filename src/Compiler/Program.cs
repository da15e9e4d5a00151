using System.CommandLine;
using Dipper.Basecaller.CommandLine;
using Dipper.Compiler.Commands;

// `dipper`: the host-side tool. Each command lives in its own file under Commands/.
var root = new RootCommand("Dipper host tool: inspect signal files, build appliance model packages and flash them.")
{
    ReadsCommand.Create(),
    ImportCommand.Create(),
    CompileCommand.Create(),
    PruneLayerCommand.Create(),
    CompressCommand.Create(),
    FinetuneCommand.Create(),
    TrainCommand.Create(),
    MergeCommand.Create(),
    WidenCommand.Create(),
    FlashCommand.Create(),
    LabelCommand.Create(),
    PoolCommand.Create(),
};
return CommandLineRunner.Run(root, args);
