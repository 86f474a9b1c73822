// Internal to the shim: decoding an encoded frame (a JPEG file, an MJPG packet) into a caller-owned BGR buffer,
// shared by the image (eicv_imgcodecs.cpp), JPEG (eicv_jpeg.cpp) and capture (eicv_videoio.cpp) exports.
#pragma once

#include "eicv.h"

#include <cstddef>
#include <cstdint>

namespace eicv {

// What an encoded buffer holds, judged by its first bytes. Only formats worth keeping beside a frame are named.
int32_t sniff_format(const uint8_t* data, size_t length);

// Decodes a JPEG into bgr (stride width*3) through TurboJPEG with default flags, which gives the same bytes as
// cv::imdecode; JPEGs that cv::imdecode would treat differently (an EXIF orientation to apply, CMYK) go through
// cv::imdecode instead, so the result never depends on which decoder ran. Any libjpeg warning (a truncated file,
// damaged entropy data) makes the frame EICV_DECODE_FAILED: the picture would be partly invented.
// On EICV_BUFFER_TOO_SMALL, *width and *height say what is needed.
eicv_status decode_jpeg(const uint8_t* data, size_t length, uint8_t* bgr, int64_t capacity, int32_t* width, int32_t* height);

// Decodes through cv::imdecode(IMREAD_COLOR): OpenCV's decode, for every format.
eicv_status decode_with_opencv(const uint8_t* data, size_t length, uint8_t* bgr, int64_t capacity, int32_t* width, int32_t* height);

// Decodes any encoded image: JPEG as decode_jpeg, every other format through cv::imdecode (OpenCV's decode).
eicv_status decode_any(const uint8_t* data, size_t length, uint8_t* bgr, int64_t capacity, int32_t* width, int32_t* height);

// Where a caller wants the encoded bytes kept: keep (capacity bytes, may be null) receives a copy when they fit.
// *length is always the encoded size and *format what it is; the bytes are in keep only when *length <= capacity.
struct kept_bytes {
  uint8_t* keep;
  int64_t capacity;
  int64_t* length;
  int32_t* format;
};

// Copies data into out.keep when it fits, then decodes it as decode_any.
eicv_status keep_and_decode(const uint8_t* data, size_t length, const kept_bytes& out, uint8_t* bgr, int64_t capacity, int32_t* width,
                            int32_t* height);

}  // namespace eicv
