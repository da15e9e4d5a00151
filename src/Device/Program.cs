using System.CommandLine;
using Dipper.Basecaller.CommandLine;
using Dipper.Device.Commands;

// `dipperd`: the appliance. Each command lives in its own file under Commands/.
var root = new RootCommand("Dipper appliance: base call nanopore signal on the CPU or a Coral Edge TPU.")
{
    BasecallCommand.Create(),
    DevicesCommand.Create(),
    ActivateModelCommand.Create(),
    RunCommand.Create(),
};
return CommandLineRunner.Run(root, args, RunCommand.InvocationFor(args));
