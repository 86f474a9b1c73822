using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod;

/// <summary>
/// Raw libgpiod 1.6 exports (gpiod.h, v1 API; soname libgpiod.so.2). The v2 library (libgpiod.so.3) has a different
/// API, bound in <see cref="V2.GpiodV2Api"/>. Calls that fail return NULL or -1 and set errno, hence SetLastError.
/// The library name resolves, through <see cref="NativeLibraries"/>' resolver, to the libgpiod this process chose, so
/// these are only called when that is a 1.6 (<see cref="GpiodLibrary.Selected"/>, <see cref="GpiodBackends"/>).
/// Reference: https://git.kernel.org/pub/scm/libs/libgpiod/libgpiod.git/tree/include/gpiod.h?h=v1.6.x
/// </summary>
/// <remarks>
/// Ownership: a <c>struct gpiod_line*</c> is borrowed from its chip and freed by <c>gpiod_chip_close</c>; a request on
/// it is undone by <c>gpiod_line_release</c>, which must run before the chip closes (see <see cref="LineRequestSafeHandle"/>).
/// </remarks>
internal static partial class GpiodNative
{
    private const string Library = "libgpiod.so.2";

    /// <summary>enum gpiod_line_request_flags (GPIOD_BIT(n)).</summary>
    [Flags]
    public enum RequestFlags
    {
        None = 0,
        OpenDrain = 1 << 0,
        OpenSource = 1 << 1,
        ActiveLow = 1 << 2,
        BiasDisable = 1 << 3,
        BiasPullDown = 1 << 4,
        BiasPullUp = 1 << 5,
    }

    /// <summary>GPIOD_LINE_EVENT_RISING_EDGE; with ActiveLow the kernel reports logical edges, so rising means "became active".</summary>
    public const int EventRisingEdge = 1;

    /// <summary>GPIOD_LINE_EVENT_FALLING_EDGE.</summary>
    public const int EventFallingEdge = 2;

    /// <summary><c>struct timespec</c>: time_t and long are both the C <c>long</c> on Linux glibc (32-bit time_t on armhf bookworm).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public CLong Seconds;
        public CLong Nanoseconds;
    }

    /// <summary><c>struct gpiod_line_event { struct timespec ts; int event_type; }</c></summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LineEvent
    {
        public Timespec Timestamp;
        public int EventType;
    }

    /// <summary><c>const char *gpiod_version_string(void)</c></summary>
    [LibraryImport(Library)]
    public static partial nint gpiod_version_string();

    /// <summary><c>struct gpiod_chip *gpiod_chip_open_by_name(const char *name)</c>: "gpiochip0" opens /dev/gpiochip0.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint gpiod_chip_open_by_name(string name);

    /// <summary><c>void gpiod_chip_close(struct gpiod_chip *chip)</c></summary>
    [LibraryImport(Library)]
    public static partial void gpiod_chip_close(nint chip);

    /// <summary><c>unsigned int gpiod_chip_num_lines(struct gpiod_chip *chip)</c></summary>
    [LibraryImport(Library)]
    public static partial uint gpiod_chip_num_lines(ChipSafeHandle chip);

    /// <summary><c>struct gpiod_line *gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset)</c>: borrowed, NULL + EINVAL past the last line.</summary>
    [LibraryImport(Library, SetLastError = true)]
    public static partial nint gpiod_chip_get_line(ChipSafeHandle chip, uint offset);

    /// <summary><c>int gpiod_line_request_input_flags(struct gpiod_line *line, const char *consumer, int flags)</c></summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int gpiod_line_request_input_flags(nint line, string consumer, int flags);

    /// <summary><c>int gpiod_line_request_output_flags(struct gpiod_line *line, const char *consumer, int flags, int default_val)</c></summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int gpiod_line_request_output_flags(nint line, string consumer, int flags, int defaultValue);

    /// <summary><c>int gpiod_line_request_both_edges_events_flags(struct gpiod_line *line, const char *consumer, int flags)</c></summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int gpiod_line_request_both_edges_events_flags(nint line, string consumer, int flags);

    /// <summary><c>void gpiod_line_release(struct gpiod_line *line)</c></summary>
    [LibraryImport(Library)]
    public static partial void gpiod_line_release(nint line);

    /// <summary><c>int gpiod_line_get_value(struct gpiod_line *line)</c>: 0 or 1 (logical, active-low applied), -1 on error.</summary>
    [LibraryImport(Library, SetLastError = true)]
    public static partial int gpiod_line_get_value(LineRequestSafeHandle line);

    /// <summary><c>int gpiod_line_set_value(struct gpiod_line *line, int value)</c></summary>
    [LibraryImport(Library, SetLastError = true)]
    public static partial int gpiod_line_set_value(LineRequestSafeHandle line, int value);

    /// <summary><c>int gpiod_line_event_wait(struct gpiod_line *line, const struct timespec *timeout)</c>: 1 event, 0 timeout, -1 error.</summary>
    [LibraryImport(Library, SetLastError = true)]
    public static partial int gpiod_line_event_wait(LineRequestSafeHandle line, in Timespec timeout);

    /// <summary><c>int gpiod_line_event_read(struct gpiod_line *line, struct gpiod_line_event *event)</c>: blocks if none is queued.</summary>
    [LibraryImport(Library, SetLastError = true)]
    public static partial int gpiod_line_event_read(LineRequestSafeHandle line, out LineEvent lineEvent);
}
