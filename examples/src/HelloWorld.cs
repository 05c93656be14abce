// HelloWorld: the smallest app that honours ANCM's out-of-process contract. It listens on
// 127.0.0.1:$ASPNETCORE_PORT, answers every request with 200 "Hello World!", rejects requests
// without the pairing token ($ASPNETCORE_TOKEN, header MS-ASPNETCORE-TOKEN) with 400, and answers
// ANCM's shutdown request (POST <path>/iisintegration, MS-ASPNETCORE-EVENT: shutdown) with 202
// and exits, as UseIISIntegration does (ancm-protocol.md §5.2, §7.4). Runs on .NET Core 3.1+. Built with Debian's mcs:
//   mcs -out:HelloWorld.dll HelloWorld.cs
using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;

static class Program
{
    static int Main()
    {
        string port = Environment.GetEnvironmentVariable("ASPNETCORE_PORT");
        string token = Environment.GetEnvironmentVariable("ASPNETCORE_TOKEN");
        if (string.IsNullOrEmpty(port))
        {
            Console.WriteLine("Hello World! (ASPNETCORE_PORT is not set: not started by ANCM)");
            return 0;
        }
        var listener = new TcpListener(IPAddress.Loopback, int.Parse(port));
        listener.Start();
        Console.WriteLine("Now listening on: http://127.0.0.1:" + port);
        while (true)
        {
            using (TcpClient client = listener.AcceptTcpClient())
            using (NetworkStream stream = client.GetStream())
            {
                var reader = new StreamReader(stream, Encoding.ASCII);
                string requestLine = reader.ReadLine() ?? "";
                bool tokenOk = string.IsNullOrEmpty(token);
                bool shutdownEvent = false;
                string line;
                while (!string.IsNullOrEmpty(line = reader.ReadLine()))
                {
                    if (token != null && line.StartsWith("MS-ASPNETCORE-TOKEN:", StringComparison.OrdinalIgnoreCase)
                        && line.Substring(20).Trim() == token)
                        tokenOk = true;
                    if (line.StartsWith("MS-ASPNETCORE-EVENT:", StringComparison.OrdinalIgnoreCase)
                        && line.Substring(20).Trim().Equals("shutdown", StringComparison.OrdinalIgnoreCase))
                        shutdownEvent = true;
                }
                string[] parts = requestLine.Split(' ');
                bool shutdown = tokenOk && shutdownEvent && parts.Length > 1 && parts[0] == "POST"
                    && parts[1].EndsWith("/iisintegration", StringComparison.OrdinalIgnoreCase);
                string body = shutdown ? "" : tokenOk ? "Hello World!" : "pairing token mismatch";
                string status = shutdown ? "202 Accepted" : tokenOk ? "200 OK" : "400 Bad Request";
                byte[] bytes = Encoding.ASCII.GetBytes("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: "
                    + body.Length + "\r\nConnection: close\r\n\r\n" + body);
                stream.Write(bytes, 0, bytes.Length);
                if (shutdown)
                {
                    Console.WriteLine("Application is shutting down...");
                    return 0;
                }
            }
        }
    }
}
