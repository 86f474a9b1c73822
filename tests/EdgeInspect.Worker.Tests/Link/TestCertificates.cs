using System.Diagnostics;

namespace EdgeInspect.Worker.Tests.Link;

/// <summary>
/// A CA, a server certificate for 127.0.0.1 and a client certificate signed by the CA, made by openssl at test time
/// (nothing secret is committed). The client key comes in every form the station accepts: PEM, PKCS#8 encrypted with
/// <see cref="KeyPassphrase"/>, and PFX with <see cref="PfxPassphrase"/>; plus the legacy encrypted PEM it refuses.
/// </summary>
internal sealed record TestCertificates(string CaFile, string ServerCert, string ServerKey, string ClientCert, string ClientKey,
    string ClientKeyEncrypted, string ClientKeyLegacyEncrypted, string ClientPfx)
{
    public const string KeyPassphrase = "key-passphrase-7";
    public const string PfxPassphrase = "pfx-passphrase-9";

    public static TestCertificates Create(string directory, string name = "ca")
    {
        string F(string file) => Path.Combine(directory, file);
        Openssl(directory, $"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=EdgeInspect-{name} -keyout {name}.key -out {name}.crt");
        Openssl(directory, $"req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 -keyout {name}-server.key -out {name}-server.csr");
        File.WriteAllText(F($"{name}-ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        Openssl(directory, $"x509 -req -in {name}-server.csr -CA {name}.crt -CAkey {name}.key -CAcreateserial -days 2 -extfile {name}-ext.cnf -out {name}-server.crt");
        Openssl(directory, $"req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=st-01 -keyout {name}-client.key -out {name}-client.csr");
        Openssl(directory, $"x509 -req -in {name}-client.csr -CA {name}.crt -CAkey {name}.key -CAcreateserial -days 2 -out {name}-client.crt");
        Openssl(directory, $"pkcs8 -topk8 -v2 aes-256-cbc -in {name}-client.key -out {name}-client-enc.key -passout pass:{KeyPassphrase}");
        Openssl(directory, $"ec -in {name}-client.key -aes256 -out {name}-client-legacy.key -passout pass:{KeyPassphrase}");
        Openssl(directory, $"pkcs12 -export -in {name}-client.crt -inkey {name}-client.key -out {name}-client.pfx -passout pass:{PfxPassphrase}");
        return new TestCertificates(F($"{name}.crt"), F($"{name}-server.crt"), F($"{name}-server.key"), F($"{name}-client.crt"), F($"{name}-client.key"),
            F($"{name}-client-enc.key"), F($"{name}-client-legacy.key"), F($"{name}-client.pfx"));
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
