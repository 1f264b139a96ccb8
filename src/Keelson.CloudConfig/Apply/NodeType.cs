namespace Keelson.CloudConfig.Apply;

internal enum NodeType
{
    Missing,
    File,
    Directory,
    Symlink,
    Other,
}
