using System.CommandLine;
using System.CommandLine.Parsing;

namespace Keelson.Cli.Help;

/// <summary>
/// The examples <c>--help</c> shows, all in this one table, keyed by command path (<c>channel promote</c>; "" for
/// <c>keelson</c> itself). A command without an entry of its own, such as <c>channel</c>, shows the first example
/// of each of its subcommands.
/// </summary>
internal static class Examples
{
    private static readonly Dictionary<string, string[]> s_examples = new(StringComparer.Ordinal)
    {
        [""] =
        [
            "keelson demo",
            "keelson server --data /var/lib/keelson",
            "keelson channel promote beta stable",
        ],
        ["server"] =
        [
            "keelson server --data /var/lib/keelson --listen http://0.0.0.0:8080 --public-url https://updates.example.com",
            "keelson server --data /var/lib/keelson --admin-token-file /etc/keelson/admin-token",
            "keelson server --data /var/lib/keelson --database postgres://keelson:secret@db.example.com:5432/keelson?sslmode=require",
            "keelson server --data /var/lib/keelson --trusted-proxy 10.0.0.5 --limit-new-machines 600 --limit-checks 5000",
            "keelson server --data /var/lib/keelson --listen https://0.0.0.0:8443 --tls-cert /etc/keelson/tls/server.pem --tls-key /etc/keelson/tls/server-key.pem",
            "keelson server --data /var/lib/keelson --listen https://0.0.0.0:8443 --tls-cert server.pem --tls-key server-key.pem --tls-client-ca machines-ca.pem --machine-trust certificate",
            "keelson server --data /var/lib/keelson --machine-trust token",
        ],
        ["package publish"] =
        [
            "keelson package publish --version 2605.10.0 --file 2605.10.0.kpay",
            "keelson package publish --version 2605.10.0 --url https://cdn.example.com/2605.10.0.kpay --size 312475648 --sha1 BASE64 --sha256 BASE64",
        ],
        ["package list"] = ["keelson package list --json"],
        ["package show"] = ["keelson package show 2605.10.0"],
        ["package delete"] = ["keelson package delete 2605.9.0"],
        ["channel list"] = ["keelson channel list"],
        ["channel set"] = ["keelson channel set alpha --version 2605.10.0", "keelson channel set stable --version 2605.9.1 --force"],
        ["channel promote"] = ["keelson channel promote beta stable"],
        ["channel create"] = ["keelson channel create lts"],
        ["channel delete"] = ["keelson channel delete lts"],
        ["group list"] = ["keelson group list"],
        ["group show"] = ["keelson group show stable --json"],
        ["group create"] = ["keelson group create canary --channel beta --safe-mode true --max-updates 5 --period 1h"],
        ["group update"] =
        [
            "keelson group update stable --window 'Mon-Fri 09:00 8h' --time-zone Europe/Berlin --ramp 24h",
            "keelson group update stable --no-windows --max-updates 0",
        ],
        ["group delete"] = ["keelson group delete canary", "keelson group delete canary --force"],
        ["group pause"] = ["keelson group pause stable"],
        ["group resume"] = ["keelson group resume stable"],
        ["instance list"] = ["keelson instance list --group stable --status Error"],
        ["instance show"] = ["keelson instance show 0f4c2a3e6f0a4c8e9a3b1d2c3e4f5a6b"],
        ["activity list"] = ["keelson activity list --per-page 20"],
        ["token create"] = ["keelson token create ci-release --role operator", "keelson token create alice --role viewer"],
        ["token list"] = ["keelson token list"],
        ["token revoke"] = ["keelson token revoke ci-release"],
        ["cloud-config validate"] = ["keelson cloud-config validate user-data.yml"],
        ["cloud-config apply"] = ["keelson cloud-config apply user-data.yml --root /mnt/root"],
        ["disk create"] = ["keelson disk create disk.img --size 2G"],
        ["disk show"] = ["keelson disk show disk.img --json"],
        ["disk boot"] = ["keelson disk boot disk.img"],
        ["disk mark-installed"] = ["keelson disk mark-installed disk.img --slot B"],
        ["disk mark-good"] = ["keelson disk mark-good disk.img --slot B"],
        ["disk prioritize"] = ["keelson disk prioritize disk.img --slot A"],
        ["disk repair"] = ["keelson disk repair disk.img"],
        ["boot grub-config"] =
        [
            "keelson boot grub-config --disk disk.img --cmdline 'console=ttyS0 panic=-1'",
            "keelson boot grub-config --disk /dev/vda --cmdline 'console=tty0' --out /boot/EFI/BOOT/grub.cfg",
        ],
        ["boot init"] =
        [
            "keelson boot init --backend grub-env --esp /mnt/esp --disk disk.img --kernel vmlinuz --initrd initrd --version 2605.10.0 --cmdline 'console=ttyS0 panic=-1'",
            "keelson boot init --backend systemd-boot --esp /mnt/esp --disk disk.img --kernel vmlinuz --version 2605.10.0",
        ],
        ["boot show"] = ["keelson boot show --backend systemd-boot --esp /boot --disk /dev/vda", "keelson boot show --disk disk.img --json"],
        ["boot select"] = ["keelson boot select --backend grub-env --esp /mnt/esp --disk disk.img"],
        ["boot mark-installed"] =
        [
            "keelson boot mark-installed --backend systemd-boot --esp /mnt/esp --disk disk.img --slot B --kernel vmlinuz --initrd initrd --version 2605.10.0 --cmdline 'console=ttyS0'",
            "keelson boot mark-installed --disk disk.img --slot B",
        ],
        ["boot mark-good"] = ["keelson boot mark-good --backend grub-env --esp /boot --disk /dev/vda --slot B"],
        ["boot prioritize"] = ["keelson boot prioritize --backend systemd-boot --esp /boot --disk /dev/vda --slot A"],
        ["boot disable"] = ["keelson boot disable --backend grub-env --esp /boot --disk /dev/vda --slot B"],
        ["boot count-try"] = ["keelson boot count-try --backend systemd-boot --esp /boot --disk /dev/vda --slot B"],
        ["payload keygen"] = ["keelson payload keygen --out release.key"],
        ["payload create"] =
        [
            "keelson payload create --image usr.ext4 --version 2605.10.0 --key release.key --out 2605.10.0.kpay",
            "keelson payload create --image usr.ext4 --from old-usr.ext4 --version 2605.10.0 --key release.key --out delta.kpay",
        ],
        ["payload verify"] = ["keelson payload verify 2605.10.0.kpay --pubkey release.key.pub"],
        ["payload inspect"] = ["keelson payload inspect 2605.10.0.kpay --pubkey release.key.pub"],
        ["payload apply"] =
        [
            "keelson payload apply 2605.10.0.kpay --target disk.img#B --pubkey release.key.pub",
            "keelson payload apply delta.kpay --target /dev/sda4 --source /dev/sda3 --pubkey release.key.pub --running-version 2605.9.1",
        ],
        ["discovery serve"] =
        [
            "keelson discovery serve --listen http://0.0.0.0:8087 --store etcd:http://10.0.0.1:2379",
            "keelson discovery serve --listen http://0.0.0.0:8087 --limit-new-tokens 10 --trusted-proxy 10.0.0.5",
            "keelson discovery serve --listen http://0.0.0.0:8087 --store postgres://keelson:secret@db.example.com/discovery?sslmode=require",
            "keelson discovery serve --listen https://0.0.0.0:8087 --tls-cert discovery.pem --tls-key discovery-key.pem",
        ],
        ["agent"] = ["keelson agent", "keelson agent --config update.conf --disk /dev/vda --state-dir /tmp/keelson"],
        ["agent status"] = ["keelson agent status"],
        ["agent check"] = ["keelson agent check"],
        ["agent mark-good"] = ["keelson agent mark-good"],
        ["agent rollback"] = ["keelson agent rollback"],
        ["machine create"] = ["keelson machine create m1 --image usr.ext4 --server http://127.0.0.1:8080 --group alpha --pubkey release.key.pub"],
        ["machine run"] = ["keelson machine run m1 --until-version 2605.10.0 --timeout 5m"],
        ["machine show"] = ["keelson machine show m1"],
        ["lock"] =
        [
            "keelson lock lock",
            "keelson lock --endpoints http://10.0.0.1:2379 status",
            "keelson lock -endpoint=http://10.0.0.1:2379 -group workers status",
            "keelson lock unlock 0f4c2a3e6f0a4c8e9a3b1d2c3e4f5a6b",
            "keelson lock set-max 2",
        ],
        ["lock status"] = ["keelson lock status", "LOCKSMITHCTL_ENDPOINT=http://10.0.0.1:2379 keelson lock status"],
        ["lock unlock"] = ["keelson lock unlock", "keelson lock unlock 0f4c2a3e6f0a4c8e9a3b1d2c3e4f5a6b"],
        ["lock set-max"] = ["keelson lock set-max 2"],
        ["reboot-lock list"] = ["keelson reboot-lock list"],
        ["reboot-lock set"] = ["keelson reboot-lock set default --slots 2"],
        ["reboot-lock release"] = ["keelson reboot-lock release default 0f4c2a3e6f0a4c8e9a3b1d2c3e4f5a6b"],
        ["fleetlock serve"] =
        [
            "keelson fleetlock serve --etcd http://10.0.0.1:2379 --slots 2 --group-slots workers=5",
            "keelson fleetlock serve --etcd http://10.0.0.1:2379 --limit-fleetlock 0 --limit-fleetlock-groups 5000",
            "keelson fleetlock serve --etcd http://10.0.0.1:2379 --listen https://0.0.0.0:3333 --tls-cert fleetlock.pem --tls-key fleetlock-key.pem --tls-client-ca machines-ca.pem --machine-trust certificate",
        ],
        ["status"] = ["keelson status", "keelson status --group stable --json", "keelson status --server https://updates.example.com --ca ca.pem --client-cert me.pem --client-key me-key.pem"],
        ["demo"] = ["keelson demo", "keelson demo --machines 6 --speed 2 --data demo"],
    };

    /// <summary>The examples of <paramref name="command"/>: its own, else the first of each subcommand's.</summary>
    public static IReadOnlyList<string> For(CommandResult command) => For(command.Command, CommandPath.Of(command));

    private static IReadOnlyList<string> For(Command command, string path) =>
        s_examples.TryGetValue(path, out var own)
            ? own
            : [.. command.Subcommands.Where(c => !c.Hidden).SelectMany(c => For(c, path.Length == 0 ? c.Name : $"{path} {c.Name}").Take(1))];
}
