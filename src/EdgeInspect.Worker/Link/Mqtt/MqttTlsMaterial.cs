using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeInspect.Worker.Link.Mqtt;

/// <summary>
/// The certificates of one <see cref="MqttTls"/>, loaded once when the connection is created (so a missing or unreadable
/// file stops the station at start, naming the file), and the one check of the broker's certificate.
/// </summary>
/// <remarks>
/// Why our own check and not MQTTnet's TrustChain: TrustChain replaces the system store, so "a plant CA file and the
/// system store" cannot be expressed; and our check can say which rule failed, which ends up in the link's log line.
/// Revocation is not checked: plant CAs rarely publish a reachable CRL, and libmosquitto did not check it either.
/// </remarks>
internal sealed class MqttTlsMaterial
{
    private readonly MqttTls _tls;
    private readonly X509Certificate2Collection _roots;

    private MqttTlsMaterial(MqttTls tls, X509Certificate2Collection roots, X509Certificate2? client)
    {
        _tls = tls;
        _roots = roots;
        ClientCertificate = client;
    }

    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Why the last broker certificate was refused; null when it was accepted or none was seen yet.</summary>
    public string? LastRefusal { get; private set; }

    /// <exception cref="MqttSetupException">A file is missing, unreadable, or the passphrase does not open the key.</exception>
    public static MqttTlsMaterial Load(MqttTls tls)
    {
        var roots = new X509Certificate2Collection();
        if (tls.CaFile is { } ca)
        {
            Require(ca, "tlsCaFile");
            try
            {
                roots.ImportFromPemFile(ca);
            }
            catch (CryptographicException e)
            {
                throw new MqttSetupException($"link:tlsCaFile '{ca}' is not a PEM certificate file ({e.Message}). Fix: give the plant CA's certificate in PEM (-----BEGIN CERTIFICATE-----).", e);
            }

            if (roots.Count == 0)
            {
                throw new MqttSetupException($"link:tlsCaFile '{ca}' holds no certificate. Fix: give the plant CA's certificate in PEM (-----BEGIN CERTIFICATE-----).");
            }
        }

        return new MqttTlsMaterial(tls, roots, LoadClientCertificate(tls));
    }

    /// <summary>MQTTnet's certificate validation handler: the broker's certificate must name the host and chain to a trusted root.</summary>
    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        LastRefusal = Check(certificate, errors);
        return LastRefusal is null;
    }

    private string? Check(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the broker sent no certificate";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"the broker's certificate ({certificate.Subject}) does not name the host the station connects to";
        }

        if (errors == SslPolicyErrors.None && _tls.UseSystemTrust)
        {
            return null;
        }

        if (_roots.Count == 0)
        {
            return $"the broker's certificate ({certificate.Subject}, issued by {certificate.Issuer}) does not chain to the system trust store";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        if (chain.Build(leaf))
        {
            return null;
        }

        var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        return $"the broker's certificate ({leaf.Subject}, issued by {leaf.Issuer}) does not verify against the CA in '{_tls.CaFile}' ({status})"
               + (_tls.UseSystemTrust ? " nor against the system trust store" : string.Empty);
    }

    private static X509Certificate2? LoadClientCertificate(MqttTls tls)
    {
        if (tls.PfxFile is { } pfx)
        {
            Require(pfx, "tlsPfxFile");
            try
            {
                return X509CertificateLoader.LoadPkcs12FromFile(pfx, tls.PfxPassphrase, X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (CryptographicException e)
            {
                throw new MqttSetupException($"link:tlsPfxFile '{pfx}' cannot be opened ({e.Message}). Fix: check link:tlsPfxPassphrase, "
                    + "or re-export the file: openssl pkcs12 -export -in client.crt -inkey client.key -out client.pfx.", e);
            }
        }

        if (tls.CertFile is not { } cert || tls.KeyFile is not { } key)
        {
            return null;
        }

        Require(cert, "tlsCertFile");
        Require(key, "tlsKeyFile");
        var keyText = File.ReadAllText(key);
        if (keyText.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            throw new MqttSetupException($"link:tlsKeyFile '{key}' is encrypted in the legacy OpenSSL format, which .NET cannot open. "
                + $"Fix: convert it to encrypted PKCS#8: openssl pkcs8 -topk8 -v2 aes-256-cbc -in {Path.GetFileName(key)} -out client-pkcs8.key");
        }

        var encrypted = keyText.Contains("BEGIN ENCRYPTED PRIVATE KEY", StringComparison.Ordinal);
        if (encrypted && tls.KeyPassphrase is null)
        {
            throw new MqttSetupException($"link:tlsKeyFile '{key}' is encrypted. Fix: set link:tlsKeyPassphrase to its passphrase.");
        }

        try
        {
            return encrypted
                ? X509Certificate2.CreateFromEncryptedPemFile(cert, tls.KeyPassphrase, key)
                : X509Certificate2.CreateFromPemFile(cert, key);
        }
        catch (CryptographicException e)
        {
            var hint = encrypted ? "check link:tlsKeyPassphrase" : "give the PEM certificate and the private key that belongs to it";
            throw new MqttSetupException($"link:tlsCertFile '{cert}' with link:tlsKeyFile '{key}' cannot be loaded ({e.Message}). Fix: {hint}.", e);
        }
    }

    private static void Require(string path, string field)
    {
        if (!File.Exists(path))
        {
            throw new MqttSetupException($"link:{field} '{path}' was not found ({Path.GetFullPath(path)}). Fix: give the path of the file, readable by the service's user.");
        }
    }
}
