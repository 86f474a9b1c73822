using System.Runtime.InteropServices;

namespace EdgeInspect.Native.Gpiod.V2;

/// <summary>
/// Raw libgpiod 2.x exports (gpiod.h of v2.2; soname libgpiod.so.3), read from one loaded file: native names, no logic.
/// Reference: https://git.kernel.org/pub/scm/libs/libgpiod/libgpiod.git/tree/include/gpiod.h?h=v2.2.x
/// </summary>
/// <remarks>
/// A table of function pointers rather than [LibraryImport]: the entries come from the file <see cref="GpiodLibrary"/>
/// chose (or a test named), so a process can never bind v2 calls by soname to a different file, or to libgpiod 1.6.
/// Calls that fail return NULL or -1 and set errno: read it with <see cref="Marshal.GetLastSystemError"/> right after
/// the call, as the generated SetLastError stubs do. C <c>bool</c> is one byte (<c>_Bool</c>); <c>size_t</c> and
/// <c>unsigned long</c> are pointer-sized on Linux (LP64 and ILP32 alike); enums are C <c>int</c>.
/// Ownership: every <c>*_new</c>, <c>gpiod_chip_open</c>, <c>gpiod_chip_get_info</c>, <c>gpiod_chip_request_lines</c> and
/// <c>gpiod_line_config_get_line_settings</c> result is the caller's to free (see <see cref="GpiodV2Handle"/>); an event
/// from <c>gpiod_edge_event_buffer_get_event</c> is borrowed from its buffer until the next read into it.
/// </remarks>
internal sealed unsafe class GpiodV2Api
{
    /// <summary>enum gpiod_line_value.</summary>
    public const int LineValueInactive = 0;
    public const int LineValueActive = 1;

    /// <summary>enum gpiod_line_direction.</summary>
    public const int DirectionAsIs = 1;
    public const int DirectionInput = 2;
    public const int DirectionOutput = 3;

    /// <summary>enum gpiod_line_edge.</summary>
    public const int EdgeNone = 1;
    public const int EdgeRising = 2;
    public const int EdgeFalling = 3;
    public const int EdgeBoth = 4;

    /// <summary>enum gpiod_line_bias (UNKNOWN is only ever read back from line info).</summary>
    public const int BiasAsIs = 1;
    public const int BiasUnknown = 2;
    public const int BiasDisabled = 3;
    public const int BiasPullUp = 4;
    public const int BiasPullDown = 5;

    /// <summary>enum gpiod_line_clock.</summary>
    public const int ClockMonotonic = 1;
    public const int ClockRealtime = 2;
    public const int ClockHte = 3;

    /// <summary>enum gpiod_edge_event_type; with active-low the kernel reports logical edges, so rising means "became active".</summary>
    public const int EventRisingEdge = 1;
    public const int EventFallingEdge = 2;

    // --- misc -------------------------------------------------------------------------------
    /// <summary><c>const char *gpiod_api_version(void)</c></summary>
    public readonly delegate* unmanaged<byte*> gpiod_api_version;

    // --- chip -------------------------------------------------------------------------------
    /// <summary><c>struct gpiod_chip *gpiod_chip_open(const char *path)</c>: NULL + ENOENT, ENOTTY/ENODEV (not a GPIO chip), EACCES.</summary>
    public readonly delegate* unmanaged<byte*, nint> gpiod_chip_open;

    /// <summary><c>void gpiod_chip_close(struct gpiod_chip *chip)</c>: requests made from the chip stay valid.</summary>
    public readonly delegate* unmanaged<nint, void> gpiod_chip_close;

    /// <summary><c>struct gpiod_chip_info *gpiod_chip_get_info(struct gpiod_chip *chip)</c></summary>
    public readonly delegate* unmanaged<nint, nint> gpiod_chip_get_info;

    /// <summary><c>struct gpiod_line_request *gpiod_chip_request_lines(struct gpiod_chip *chip, struct gpiod_request_config *req_cfg, struct gpiod_line_config *line_cfg)</c></summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint> gpiod_chip_request_lines;

    // --- chip info --------------------------------------------------------------------------
    /// <summary><c>void gpiod_chip_info_free(struct gpiod_chip_info *info)</c></summary>
    public readonly delegate* unmanaged<nint, void> gpiod_chip_info_free;

    /// <summary><c>size_t gpiod_chip_info_get_num_lines(struct gpiod_chip_info *info)</c></summary>
    public readonly delegate* unmanaged<nint, nuint> gpiod_chip_info_get_num_lines;

    // --- line settings ----------------------------------------------------------------------
    /// <summary><c>struct gpiod_line_settings *gpiod_line_settings_new(void)</c>: defaults are as-is, no edges, inactive, monotonic clock.</summary>
    public readonly delegate* unmanaged<nint> gpiod_line_settings_new;

    /// <summary><c>void gpiod_line_settings_free(struct gpiod_line_settings *settings)</c></summary>
    public readonly delegate* unmanaged<nint, void> gpiod_line_settings_free;

    /// <summary><c>int gpiod_line_settings_set_direction(struct gpiod_line_settings *settings, enum gpiod_line_direction direction)</c></summary>
    public readonly delegate* unmanaged<nint, int, int> gpiod_line_settings_set_direction;

    /// <summary><c>enum gpiod_line_direction gpiod_line_settings_get_direction(struct gpiod_line_settings *settings)</c></summary>
    public readonly delegate* unmanaged<nint, int> gpiod_line_settings_get_direction;

    /// <summary><c>int gpiod_line_settings_set_edge_detection(struct gpiod_line_settings *settings, enum gpiod_line_edge edge)</c></summary>
    public readonly delegate* unmanaged<nint, int, int> gpiod_line_settings_set_edge_detection;

    /// <summary><c>enum gpiod_line_edge gpiod_line_settings_get_edge_detection(struct gpiod_line_settings *settings)</c></summary>
    public readonly delegate* unmanaged<nint, int> gpiod_line_settings_get_edge_detection;

    /// <summary><c>int gpiod_line_settings_set_bias(struct gpiod_line_settings *settings, enum gpiod_line_bias bias)</c></summary>
    public readonly delegate* unmanaged<nint, int, int> gpiod_line_settings_set_bias;

    /// <summary><c>enum gpiod_line_bias gpiod_line_settings_get_bias(struct gpiod_line_settings *settings)</c></summary>
    public readonly delegate* unmanaged<nint, int> gpiod_line_settings_get_bias;

    /// <summary><c>void gpiod_line_settings_set_active_low(struct gpiod_line_settings *settings, bool active_low)</c></summary>
    public readonly delegate* unmanaged<nint, byte, void> gpiod_line_settings_set_active_low;

    /// <summary><c>bool gpiod_line_settings_get_active_low(struct gpiod_line_settings *settings)</c></summary>
    public readonly delegate* unmanaged<nint, byte> gpiod_line_settings_get_active_low;

    /// <summary><c>int gpiod_line_settings_set_event_clock(struct gpiod_line_settings *settings, enum gpiod_line_clock event_clock)</c></summary>
    public readonly delegate* unmanaged<nint, int, int> gpiod_line_settings_set_event_clock;

    /// <summary><c>enum gpiod_line_clock gpiod_line_settings_get_event_clock(struct gpiod_line_settings *settings)</c></summary>
    public readonly delegate* unmanaged<nint, int> gpiod_line_settings_get_event_clock;

    /// <summary><c>int gpiod_line_settings_set_output_value(struct gpiod_line_settings *settings, enum gpiod_line_value value)</c>: logical (active-low applied).</summary>
    public readonly delegate* unmanaged<nint, int, int> gpiod_line_settings_set_output_value;

    /// <summary><c>enum gpiod_line_value gpiod_line_settings_get_output_value(struct gpiod_line_settings *settings)</c></summary>
    public readonly delegate* unmanaged<nint, int> gpiod_line_settings_get_output_value;

    // --- line config ------------------------------------------------------------------------
    /// <summary><c>struct gpiod_line_config *gpiod_line_config_new(void)</c></summary>
    public readonly delegate* unmanaged<nint> gpiod_line_config_new;

    /// <summary><c>void gpiod_line_config_free(struct gpiod_line_config *config)</c></summary>
    public readonly delegate* unmanaged<nint, void> gpiod_line_config_free;

    /// <summary><c>int gpiod_line_config_add_line_settings(struct gpiod_line_config *config, const unsigned int *offsets, size_t num_offsets, struct gpiod_line_settings *settings)</c>: copies the settings.</summary>
    public readonly delegate* unmanaged<nint, uint*, nuint, nint, int> gpiod_line_config_add_line_settings;

    /// <summary><c>struct gpiod_line_settings *gpiod_line_config_get_line_settings(struct gpiod_line_config *config, unsigned int offset)</c>: a copy, NULL + EINVAL when the offset has none.</summary>
    public readonly delegate* unmanaged<nint, uint, nint> gpiod_line_config_get_line_settings;

    // --- request config ---------------------------------------------------------------------
    /// <summary><c>struct gpiod_request_config *gpiod_request_config_new(void)</c></summary>
    public readonly delegate* unmanaged<nint> gpiod_request_config_new;

    /// <summary><c>void gpiod_request_config_free(struct gpiod_request_config *config)</c></summary>
    public readonly delegate* unmanaged<nint, void> gpiod_request_config_free;

    /// <summary><c>void gpiod_request_config_set_consumer(struct gpiod_request_config *config, const char *consumer)</c>: copied.</summary>
    public readonly delegate* unmanaged<nint, byte*, void> gpiod_request_config_set_consumer;

    /// <summary><c>const char *gpiod_request_config_get_consumer(struct gpiod_request_config *config)</c></summary>
    public readonly delegate* unmanaged<nint, byte*> gpiod_request_config_get_consumer;

    /// <summary><c>void gpiod_request_config_set_event_buffer_size(struct gpiod_request_config *config, size_t event_buffer_size)</c>: the kernel's queue, 0 = 16 per line.</summary>
    public readonly delegate* unmanaged<nint, nuint, void> gpiod_request_config_set_event_buffer_size;

    /// <summary><c>size_t gpiod_request_config_get_event_buffer_size(struct gpiod_request_config *config)</c></summary>
    public readonly delegate* unmanaged<nint, nuint> gpiod_request_config_get_event_buffer_size;

    // --- line request -----------------------------------------------------------------------
    /// <summary><c>void gpiod_line_request_release(struct gpiod_line_request *request)</c></summary>
    public readonly delegate* unmanaged<nint, void> gpiod_line_request_release;

    /// <summary><c>enum gpiod_line_value gpiod_line_request_get_value(struct gpiod_line_request *request, unsigned int offset)</c>: 0, 1, or -1 on error.</summary>
    public readonly delegate* unmanaged<nint, uint, int> gpiod_line_request_get_value;

    /// <summary><c>int gpiod_line_request_set_value(struct gpiod_line_request *request, unsigned int offset, enum gpiod_line_value value)</c></summary>
    public readonly delegate* unmanaged<nint, uint, int, int> gpiod_line_request_set_value;

    /// <summary><c>int gpiod_line_request_wait_edge_events(struct gpiod_line_request *request, int64_t timeout_ns)</c>: 1 pending, 0 timeout, -1 error.</summary>
    public readonly delegate* unmanaged<nint, long, int> gpiod_line_request_wait_edge_events;

    /// <summary><c>int gpiod_line_request_read_edge_events(struct gpiod_line_request *request, struct gpiod_edge_event_buffer *buffer, size_t max_events)</c>: blocks if none is queued.</summary>
    public readonly delegate* unmanaged<nint, nint, nuint, int> gpiod_line_request_read_edge_events;

    // --- edge events ------------------------------------------------------------------------
    /// <summary><c>struct gpiod_edge_event_buffer *gpiod_edge_event_buffer_new(size_t capacity)</c>: 0 means 64, capped at 1024.</summary>
    public readonly delegate* unmanaged<nuint, nint> gpiod_edge_event_buffer_new;

    /// <summary><c>void gpiod_edge_event_buffer_free(struct gpiod_edge_event_buffer *buffer)</c></summary>
    public readonly delegate* unmanaged<nint, void> gpiod_edge_event_buffer_free;

    /// <summary><c>size_t gpiod_edge_event_buffer_get_capacity(struct gpiod_edge_event_buffer *buffer)</c></summary>
    public readonly delegate* unmanaged<nint, nuint> gpiod_edge_event_buffer_get_capacity;

    /// <summary><c>struct gpiod_edge_event *gpiod_edge_event_buffer_get_event(struct gpiod_edge_event_buffer *buffer, unsigned long index)</c>: borrowed.</summary>
    public readonly delegate* unmanaged<nint, nuint, nint> gpiod_edge_event_buffer_get_event;

    /// <summary><c>enum gpiod_edge_event_type gpiod_edge_event_get_event_type(struct gpiod_edge_event *event)</c></summary>
    public readonly delegate* unmanaged<nint, int> gpiod_edge_event_get_event_type;

    /// <summary><c>uint64_t gpiod_edge_event_get_timestamp_ns(struct gpiod_edge_event *event)</c>: on the line's event clock.</summary>
    public readonly delegate* unmanaged<nint, ulong> gpiod_edge_event_get_timestamp_ns;

    private GpiodV2Api(nint library)
    {
        gpiod_api_version = (delegate* unmanaged<byte*>)Export(library, nameof(gpiod_api_version));
        gpiod_chip_open = (delegate* unmanaged<byte*, nint>)Export(library, nameof(gpiod_chip_open));
        gpiod_chip_close = (delegate* unmanaged<nint, void>)Export(library, nameof(gpiod_chip_close));
        gpiod_chip_get_info = (delegate* unmanaged<nint, nint>)Export(library, nameof(gpiod_chip_get_info));
        gpiod_chip_request_lines = (delegate* unmanaged<nint, nint, nint, nint>)Export(library, nameof(gpiod_chip_request_lines));
        gpiod_chip_info_free = (delegate* unmanaged<nint, void>)Export(library, nameof(gpiod_chip_info_free));
        gpiod_chip_info_get_num_lines = (delegate* unmanaged<nint, nuint>)Export(library, nameof(gpiod_chip_info_get_num_lines));
        gpiod_line_settings_new = (delegate* unmanaged<nint>)Export(library, nameof(gpiod_line_settings_new));
        gpiod_line_settings_free = (delegate* unmanaged<nint, void>)Export(library, nameof(gpiod_line_settings_free));
        gpiod_line_settings_set_direction = (delegate* unmanaged<nint, int, int>)Export(library, nameof(gpiod_line_settings_set_direction));
        gpiod_line_settings_get_direction = (delegate* unmanaged<nint, int>)Export(library, nameof(gpiod_line_settings_get_direction));
        gpiod_line_settings_set_edge_detection = (delegate* unmanaged<nint, int, int>)Export(library, nameof(gpiod_line_settings_set_edge_detection));
        gpiod_line_settings_get_edge_detection = (delegate* unmanaged<nint, int>)Export(library, nameof(gpiod_line_settings_get_edge_detection));
        gpiod_line_settings_set_bias = (delegate* unmanaged<nint, int, int>)Export(library, nameof(gpiod_line_settings_set_bias));
        gpiod_line_settings_get_bias = (delegate* unmanaged<nint, int>)Export(library, nameof(gpiod_line_settings_get_bias));
        gpiod_line_settings_set_active_low = (delegate* unmanaged<nint, byte, void>)Export(library, nameof(gpiod_line_settings_set_active_low));
        gpiod_line_settings_get_active_low = (delegate* unmanaged<nint, byte>)Export(library, nameof(gpiod_line_settings_get_active_low));
        gpiod_line_settings_set_event_clock = (delegate* unmanaged<nint, int, int>)Export(library, nameof(gpiod_line_settings_set_event_clock));
        gpiod_line_settings_get_event_clock = (delegate* unmanaged<nint, int>)Export(library, nameof(gpiod_line_settings_get_event_clock));
        gpiod_line_settings_set_output_value = (delegate* unmanaged<nint, int, int>)Export(library, nameof(gpiod_line_settings_set_output_value));
        gpiod_line_settings_get_output_value = (delegate* unmanaged<nint, int>)Export(library, nameof(gpiod_line_settings_get_output_value));
        gpiod_line_config_new = (delegate* unmanaged<nint>)Export(library, nameof(gpiod_line_config_new));
        gpiod_line_config_free = (delegate* unmanaged<nint, void>)Export(library, nameof(gpiod_line_config_free));
        gpiod_line_config_add_line_settings = (delegate* unmanaged<nint, uint*, nuint, nint, int>)Export(library, nameof(gpiod_line_config_add_line_settings));
        gpiod_line_config_get_line_settings = (delegate* unmanaged<nint, uint, nint>)Export(library, nameof(gpiod_line_config_get_line_settings));
        gpiod_request_config_new = (delegate* unmanaged<nint>)Export(library, nameof(gpiod_request_config_new));
        gpiod_request_config_free = (delegate* unmanaged<nint, void>)Export(library, nameof(gpiod_request_config_free));
        gpiod_request_config_set_consumer = (delegate* unmanaged<nint, byte*, void>)Export(library, nameof(gpiod_request_config_set_consumer));
        gpiod_request_config_get_consumer = (delegate* unmanaged<nint, byte*>)Export(library, nameof(gpiod_request_config_get_consumer));
        gpiod_request_config_set_event_buffer_size = (delegate* unmanaged<nint, nuint, void>)Export(library, nameof(gpiod_request_config_set_event_buffer_size));
        gpiod_request_config_get_event_buffer_size = (delegate* unmanaged<nint, nuint>)Export(library, nameof(gpiod_request_config_get_event_buffer_size));
        gpiod_line_request_release = (delegate* unmanaged<nint, void>)Export(library, nameof(gpiod_line_request_release));
        gpiod_line_request_get_value = (delegate* unmanaged<nint, uint, int>)Export(library, nameof(gpiod_line_request_get_value));
        gpiod_line_request_set_value = (delegate* unmanaged<nint, uint, int, int>)Export(library, nameof(gpiod_line_request_set_value));
        gpiod_line_request_wait_edge_events = (delegate* unmanaged<nint, long, int>)Export(library, nameof(gpiod_line_request_wait_edge_events));
        gpiod_line_request_read_edge_events = (delegate* unmanaged<nint, nint, nuint, int>)Export(library, nameof(gpiod_line_request_read_edge_events));
        gpiod_edge_event_buffer_new = (delegate* unmanaged<nuint, nint>)Export(library, nameof(gpiod_edge_event_buffer_new));
        gpiod_edge_event_buffer_free = (delegate* unmanaged<nint, void>)Export(library, nameof(gpiod_edge_event_buffer_free));
        gpiod_edge_event_buffer_get_capacity = (delegate* unmanaged<nint, nuint>)Export(library, nameof(gpiod_edge_event_buffer_get_capacity));
        gpiod_edge_event_buffer_get_event = (delegate* unmanaged<nint, nuint, nint>)Export(library, nameof(gpiod_edge_event_buffer_get_event));
        gpiod_edge_event_get_event_type = (delegate* unmanaged<nint, int>)Export(library, nameof(gpiod_edge_event_get_event_type));
        gpiod_edge_event_get_timestamp_ns = (delegate* unmanaged<nint, ulong>)Export(library, nameof(gpiod_edge_event_get_timestamp_ns));
    }

    /// <summary>Reads every entry from a loaded libgpiod 2.x.</summary>
    /// <exception cref="EntryPointNotFoundException">The file lacks an export this binding uses (it is not libgpiod 2.x).</exception>
    public static GpiodV2Api Bind(nint library) => new(library);

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new EntryPointNotFoundException($"libgpiod 2 export {name} not found");
}
