// JPEG decode through TurboJPEG (libjpeg-turbo's own API, Debian libturbojpeg0), into caller-owned BGR buffers.
//
// Why not cv::imdecode: Debian's OpenCV 4.6 decodes through the same libjpeg-turbo but takes 2.2 ms per 640x480
// frame where tjDecompress2 takes 0.9 ms (measured for issue 18). With default flags (accurate integer DCT,
// fancy upsampling) TurboJPEG writes the same bytes as cv::imdecode; TJFLAG_FASTDCT and TJFLAG_FASTUPSAMPLE change
// pixels, and with them the model's input contract, so they are never used here.
// API reference: https://libjpeg-turbo.org/Documentation/Documentation (TurboJPEG C API, 2.1).
#include "eicv_image.h"

#include <turbojpeg.h>

#include <dlfcn.h>

#include <cstring>
#include <string>

// From CMake (pkg-config's libturbojpeg version), so the build needs no libjpeg headers besides turbojpeg.h.
#ifndef EICV_TURBOJPEG_VERSION
#define EICV_TURBOJPEG_VERSION "unknown version"
#endif

namespace {

// One decompressor per thread: a tjhandle must not be used by two threads at once, and creating one per frame
// would cost an allocation per frame. Destroyed when its thread ends, and after any failure: a failed
// tjDecompressHeader3 (2.1) returns without aborting libjpeg's state, and the next call on that handle then fails
// too, with the old message.
struct thread_decompressor {
  tjhandle handle = nullptr;
  ~thread_decompressor() { reset(); }
  void reset() {
    if (handle != nullptr) tjDestroy(handle);
    handle = nullptr;
  }
};
thread_local thread_decompressor decompressor;

tjhandle this_thread_decompressor() {
  if (decompressor.handle == nullptr) decompressor.handle = tjInitDecompress();
  return decompressor.handle;
}

// Records a TurboJPEG failure and drops the handle it happened on.
eicv_status tj_fail(const std::string& what, tjhandle handle) {
  const char* message = tjGetErrorStr2(handle);
  const eicv_status status = eicv::fail(EICV_DECODE_FAILED, what + (message != nullptr ? message : "unknown TurboJPEG error"));
  decompressor.reset();
  return status;
}

uint32_t read16(const uint8_t* p, bool little) { return little ? p[0] | (p[1] << 8) : (p[0] << 8) | p[1]; }

uint32_t read32(const uint8_t* p, bool little) {
  return little ? p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24)
                : (static_cast<uint32_t>(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

// The Orientation tag (0x0112) of an EXIF block's first IFD (TIFF 6.0 layout), or 0 when there is none.
int tiff_orientation(const uint8_t* tiff, size_t length) {
  if (length < 8) return 0;
  const bool little = tiff[0] == 'I' && tiff[1] == 'I';
  if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) return 0;
  if (read16(tiff + 2, little) != 42) return 0;
  const size_t ifd = read32(tiff + 4, little);
  if (ifd > length - 2) return 0;
  const size_t entries = read16(tiff + ifd, little);
  for (size_t k = 0; k < entries; ++k) {
    const size_t entry = ifd + 2 + 12 * k;
    if (entry > length - 12) return 0;
    // Type 3 is SHORT: the value sits in the first two bytes of the value field.
    if (read16(tiff + entry, little) == 0x0112 && read16(tiff + entry + 2, little) == 3) return static_cast<int>(read16(tiff + entry + 8, little));
  }
  return 0;
}

// The EXIF orientation of a JPEG (1..8), or 0 when it carries none. cv::imdecode turns the picture upright by it
// (unless IMREAD_IGNORE_ORIENTATION); TurboJPEG does not, so such a JPEG is left to OpenCV.
int exif_orientation(const uint8_t* data, size_t length) {
  size_t at = 2;
  while (at + 4 <= length && data[at] == 0xFF) {
    const uint8_t marker = data[at + 1];
    if (marker == 0xFF) {  // fill byte before a marker
      ++at;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) break;  // start of scan or end of image: no metadata after this
    const size_t segment = (static_cast<size_t>(data[at + 2]) << 8) | data[at + 3];
    if (segment < 2 || segment > length - at - 2) break;
    if (marker == 0xE1 && segment >= 8 && std::memcmp(data + at + 4, "Exif\0\0", 6) == 0) return tiff_orientation(data + at + 10, segment - 8);
    at += 2 + segment;
  }
  return 0;
}

}  // namespace

namespace eicv {

int32_t sniff_format(const uint8_t* data, size_t length) {
  if (length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return EICV_FORMAT_JPEG;
  if (length >= 8 && std::memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0) return EICV_FORMAT_PNG;
  return EICV_FORMAT_NONE;
}

eicv_status decode_jpeg(const uint8_t* data, size_t length, uint8_t* bgr, int64_t capacity, int32_t* width, int32_t* height) {
  tjhandle handle = this_thread_decompressor();
  if (handle == nullptr) {
    const char* message = tjGetErrorStr2(nullptr);
    return fail(EICV_ERROR, std::string("tjInitDecompress failed: ") + (message != nullptr ? message : "out of memory?"));
  }
  int w = 0, h = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, data, static_cast<unsigned long>(length), &w, &h, &subsampling, &colorspace) != 0) {
    return tj_fail("corrupt JPEG header: ", handle);
  }
  const int orientation = exif_orientation(data, length);
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK || (orientation >= 2 && orientation <= 8)) {
    return decode_with_opencv(data, length, bgr, capacity, width, height);
  }

  *width = w;
  *height = h;
  const int64_t row = static_cast<int64_t>(w) * 3;
  if (bgr == nullptr || capacity < row * h) {
    return fail(EICV_BUFFER_TOO_SMALL, "buffer of " + std::to_string(capacity) + " bytes cannot hold a " + std::to_string(w) + "x" +
                                           std::to_string(h) + " BGR image");
  }
  // TJFLAG_STOPONWARNING: a damaged frame is dropped anyway, so stop decoding it at the first sign of damage.
  if (tjDecompress2(handle, data, static_cast<unsigned long>(length), bgr, w, static_cast<int>(row), h, TJPF_BGR, TJFLAG_STOPONWARNING) != 0) {
    return tj_fail(tjGetErrorCode(handle) == TJERR_WARNING ? "damaged JPEG: " : "corrupt JPEG: ", handle);
  }
  return EICV_OK;
}

}  // namespace eicv

// Decodes a JPEG held in memory into bgr (stride width*3), as cv::imdecode would, through TurboJPEG.
// EICV_DECODE_FAILED: not a JPEG, or a corrupt or truncated one. EICV_BUFFER_TOO_SMALL: *width and *height say
// what is needed (pass a null bgr to read only the size).
EICV_EXPORT eicv_status eicv_jpeg_decode(const uint8_t* data, int64_t length, uint8_t* bgr, int64_t capacity, int32_t* width, int32_t* height) {
  return eicv::guard("eicv_jpeg_decode", [&]() -> eicv_status {
    if (width == nullptr || height == nullptr || length < 0 || (data == nullptr && length > 0)) return eicv::fail(EICV_INVALID_ARGUMENT, "width and height must not be null; data must hold length bytes");
    *width = 0;
    *height = 0;
    if (eicv::sniff_format(data, static_cast<size_t>(length)) != EICV_FORMAT_JPEG) return eicv::fail(EICV_DECODE_FAILED, "the data is not a JPEG (no SOI marker)");
    return eicv::decode_jpeg(data, static_cast<size_t>(length), bgr, capacity, width, height);
  });
}

// Which libjpeg-turbo the shim was built against and which libturbojpeg file it runs with, for `edgeinspect doctor`.
EICV_EXPORT const char* eicv_jpeg_library() noexcept {
  // Built once; the loaded library does not change while the process runs.
  static const std::string description = []() -> std::string {
    try {
      std::string text = "libjpeg-turbo " EICV_TURBOJPEG_VERSION;
      Dl_info info{};
      if (dladdr(reinterpret_cast<void*>(&tjInitDecompress), &info) != 0 && info.dli_fname != nullptr) text += std::string(" (") + info.dli_fname + ")";
      return text;
    } catch (...) {
      return "libjpeg-turbo";
    }
  }();
  return description.c_str();
}
