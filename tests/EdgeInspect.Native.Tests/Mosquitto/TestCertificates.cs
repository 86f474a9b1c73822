using System.Diagnostics;

namespace EdgeInspect.Native.Tests.Mosquitto;

/// <summary>A CA and a server certificate for 127.0.0.1, made by openssl at test time (nothing secret is committed).</summary>
internal sealed record TestCertificates(string CaFile, string ServerCert, string ServerKey)
{
    public static TestCertificates Create(string directory, string name = "ca")
    {
        string F(string file) => Path.Combine(directory, file);
        Openssl(directory, $"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=EdgeInspect-{name} -keyout {name}.key -out {name}.crt");
        Openssl(directory, $"req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 -keyout {name}-server.key -out {name}-server.csr");
        File.WriteAllText(F($"{name}-ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        Openssl(directory, $"x509 -req -in {name}-server.csr -CA {name}.crt -CAkey {name}.key -CAcreateserial -days 2 -extfile {name}-ext.cnf -out {name}-server.crt");
        return new TestCertificates(F($"{name}.crt"), F($"{name}-server.crt"), F($"{name}-server.key"));
    }

    private static void Openssl(string directory, string arguments)
    {
        var psi = new ProcessStartInfo("openssl", arguments) { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {arguments} failed: {error.Result}");
        }
    }
}
