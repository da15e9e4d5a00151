using System.CommandLine;
using Dipper.Basecaller.CommandLine;
using Dipper.Compiler.Commands;

// `dipper`: the host-side tool. Each command lives in its own file under Commands/.
var root = new RootCommand("Dipper host tool: inspect signal files and build appliance model packages.")
{
    ReadsCommand.Create(),
    ImportCommand.Create(),
    PruneLayerCommand.Create(),
};
return CommandLineRunner.Run(root, args);
