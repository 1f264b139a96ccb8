using System.Net;
using System.Net.Sockets;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// Free TCP ports on 127.0.0.1 for programs that must be told their port up front (etcd's peer and client URLs,
/// a service restarted on the port it had). A port is never handed out twice in one test run.
/// </summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> s_handedOut = [];

    public static int Next()
    {
        while (true)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            lock (s_handedOut)
            {
                if (s_handedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
