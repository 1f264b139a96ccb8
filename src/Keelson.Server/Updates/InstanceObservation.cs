using Keelson.Omaha;
using Keelson.Server.Storage;

namespace Keelson.Server.Updates;

/// <summary>What every request tells about a machine: who it is, where it is, what it runs.</summary>
public static class InstanceObservation
{
    public static void Apply(InstanceRow instance, OmahaAppRequest app, GroupView? view, string clientIp, DateTimeOffset now)
    {
        instance.Alias = app.MachineAlias ?? "";
        instance.Ip = clientIp;
        instance.Oem = app.Oem ?? "";
        instance.OemVersion = app.OemVersion ?? "";
        instance.Board = app.Board ?? "";
        instance.AlephVersion = app.AlephVersion ?? "";
        instance.Version = app.Version ?? "";
        instance.Track = app.Track ?? "";
        instance.GroupId = view?.Group.Id;
        instance.LastCheckAt = now.ToUnixTimeMilliseconds();
    }
}
