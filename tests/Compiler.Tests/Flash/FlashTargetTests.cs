using Dipper.Compiler.Flash;

namespace Dipper.Compiler.Tests.Flash;

public class FlashTargetTests
{
    [Fact]
    public void Ssh_address_gives_user_host_port_and_the_default_models_root()
    {
        var target = Assert.IsType<SshTarget>(FlashTarget.Parse("ssh://pi@dipper-01.local:2222"));
        Assert.Equal("pi", target.User);
        Assert.Equal("dipper-01.local", target.Host);
        Assert.Equal(2222, target.Port);
        Assert.Equal("/var/lib/dipper/models", target.ModelsRoot);
        Assert.Equal("pi@dipper-01.local", target.Destination);
    }

    [Fact]
    public void Ssh_address_path_is_the_models_root_and_user_and_port_are_optional()
    {
        var target = Assert.IsType<SshTarget>(FlashTarget.Parse("ssh://10.0.0.7/srv/models/"));
        Assert.Null(target.User);
        Assert.Null(target.Port);
        Assert.Equal("/srv/models", target.ModelsRoot);
    }

    [Fact]
    public void Anything_else_is_a_folder_made_absolute()
    {
        var target = Assert.IsType<FolderTarget>(FlashTarget.Parse("sdcard/var/lib/dipper/models"));
        Assert.True(Path.IsPathRooted(target.ModelsRoot));
    }

    [Theory]
    [InlineData("ssh://user:secret@host")]
    [InlineData("ssh://host/models?x=1")]
    [InlineData("ssh://")]
    public void Bad_ssh_addresses_are_refused(string text) =>
        Assert.Throws<FormatException>(() => FlashTarget.Parse(text));

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("with space", "'with space'")]
    [InlineData("it's", "'it'\\''s'")]
    public void Shell_quoting_keeps_words_whole(string word, string quoted) =>
        Assert.Equal(quoted, ShellQuoting.Quote(word));
}
