// Legacy: a .NET Framework console app (what `mcs` builds: a managed exe against mscorlib 4.0,
// no runtimeconfig.json), standing in for an ASP.NET Core 1.x/2.x app that targeted net4x.
// ANCM can start it out-of-process only. Built with: mcs -out:Legacy.exe Legacy.cs
static class Program
{
    static void Main()
    {
        System.Console.WriteLine("Hello from .NET Framework");
    }
}
