using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace EdgeInspect.Worker.Dashboard;

/// <summary>Why a changing request was refused, or that it may go on.</summary>
public enum AccessVerdict
{
    Allowed,

    /// <summary>No token, a wrong token, or no session: 401.</summary>
    Unauthenticated,

    /// <summary>A session cookie without its CSRF token, or a request from another origin: 403.</summary>
    Forbidden,
}

/// <summary>
/// Who may change the station through the dashboard: the holder of the token. The API takes it as
/// <c>Authorization: Bearer …</c>; the page's login form trades it for a session cookie. Without either the dashboard
/// is read-only; with no token configured there are no controls at all.
/// </summary>
/// <remarks>
/// <para>CSRF: a browser attaches cookies to a cross-site request by itself, never an Authorization header, so a
/// bearer request is safe as it is. A cookie request must also carry the session's own CSRF token in
/// <see cref="CsrfHeader"/> (which only the page, reading <c>/api/session</c> from its own origin, can know); the cookie is
/// SameSite=Strict and HttpOnly; and a request whose Origin header names another origin is refused before anything
/// else. The login form itself is checked the same way (Origin), so another site cannot log a browser in.</para>
/// <para>Sessions live in memory: a restart logs everyone out, which for a station's local page is a feature.</para>
/// </remarks>
public sealed class DashboardAuth(string? token, TimeSpan sessionLifetime, TimeProvider time)
{
    public const string CookieName = "edgeinspect_session";

    public const string CsrfHeader = "X-EdgeInspect-Csrf";

    private readonly byte[]? _token = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>A token is configured: the controls exist.</summary>
    public bool ControlsEnabled => _token is not null;

    /// <summary>Checks a request that would change the station.</summary>
    public AccessVerdict Check(HttpContext context)
    {
        if (!SameOrigin(context.Request))
        {
            return AccessVerdict.Forbidden;
        }

        if (_token is null)
        {
            return AccessVerdict.Unauthenticated;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            return authorization.StartsWith("Bearer ", StringComparison.Ordinal) && Matches(authorization["Bearer ".Length..].Trim())
                ? AccessVerdict.Allowed
                : AccessVerdict.Unauthenticated;
        }

        if (SessionOf(context) is not { } session)
        {
            return AccessVerdict.Unauthenticated;
        }

        var csrf = context.Request.Headers[CsrfHeader].ToString();
        return csrf.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(csrf), Encoding.ASCII.GetBytes(session.Csrf))
            ? AccessVerdict.Allowed
            : AccessVerdict.Forbidden;
    }

    /// <summary>The login form's token: a new session (cookie value, CSRF token), or null when it is wrong.</summary>
    public (string Id, string Csrf)? Login(HttpContext context, string? presented)
    {
        if (_token is null || !SameOrigin(context.Request) || presented is null || !Matches(presented.Trim()))
        {
            return null;
        }

        Sweep();
        var session = new Session(RandomId(), RandomId(), time.GetUtcNow() + sessionLifetime);
        _sessions[session.Id] = session;
        return (session.Id, session.Csrf);
    }

    public void Logout(HttpContext context)
    {
        if (context.Request.Cookies.TryGetValue(CookieName, out var id) && id is not null)
        {
            _sessions.TryRemove(id, out _);
        }
    }

    /// <summary>The CSRF token of the request's live session, or null (not logged in).</summary>
    public string? CsrfOf(HttpContext context) => SessionOf(context)?.Csrf;

    /// <summary>
    /// True unless the request names an origin other than the one it was sent to. Browsers send Origin on every
    /// cross-origin request and on same-origin POSTs; a client that sends none (curl, a script with a bearer token) is
    /// not a browser being tricked.
    /// </summary>
    public static bool SameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme == request.Scheme
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private Session? SessionOf(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var id) || id is null || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        if (session.Expires <= time.GetUtcNow())
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        return session;
    }

    private bool Matches(string presented) =>
        _token is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _token);

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (id, session) in _sessions)
        {
            if (session.Expires <= now)
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private static string RandomId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Session(string Id, string Csrf, DateTimeOffset Expires);
}
