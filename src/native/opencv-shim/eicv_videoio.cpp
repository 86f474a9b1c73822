// Video capture and writing: cameras (V4L2), streams (FFmpeg), GStreamer pipelines and video files.
// Frames are copied into caller-owned BGR buffers; handles are opaque pointers the caller closes exactly once.
#include "eicv_image.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

struct eicv_capture {
  cv::VideoCapture capture;
  // Reused across reads so steady-state capture allocates nothing on the native side either.
  cv::Mat frame;
  cv::Mat converted;
  // True once the backend hands out each frame's compressed packet (MJPG) instead of decoded pixels.
  bool compressed = false;
};

struct eicv_writer {
  cv::VideoWriter writer;
  int width = 0;
  int height = 0;
};

namespace {

std::vector<int> open_params(const int32_t* params, int32_t count) {
  std::vector<int> out;
  if (params != nullptr && count > 0) out.assign(params, params + count);
  return out;
}

// Cameras may deliver gray or BGRA; the rest of EdgeInspect only ever sees 8-bit BGR.
const cv::Mat* as_bgr(eicv_capture* c) {
  const cv::Mat& m = c->frame;
  if (m.type() == CV_8UC3) return &m;
  if (m.type() == CV_8UC1) { cv::cvtColor(m, c->converted, cv::COLOR_GRAY2BGR); return &c->converted; }
  if (m.type() == CV_8UC4) { cv::cvtColor(m, c->converted, cv::COLOR_BGRA2BGR); return &c->converted; }
  return nullptr;
}

eicv_status copy_out(const cv::Mat& image, uint8_t* buffer, int64_t capacity, int32_t* width, int32_t* height) {
  *width = image.cols;
  *height = image.rows;
  const int64_t row = static_cast<int64_t>(image.cols) * 3;
  if (buffer == nullptr || capacity < row * image.rows) {
    return eicv::fail(EICV_BUFFER_TOO_SMALL, "buffer of " + std::to_string(capacity) + " bytes cannot hold a " +
                                                 std::to_string(image.cols) + "x" + std::to_string(image.rows) + " BGR frame");
  }
  if (image.isContinuous()) {
    std::memcpy(buffer, image.data, static_cast<size_t>(row * image.rows));
  } else {
    for (int y = 0; y < image.rows; ++y) std::memcpy(buffer + row * y, image.ptr(y), static_cast<size_t>(row));
  }
  return EICV_OK;
}

bool is_mjpg(int fourcc) {
  // FFmpeg answers the container's codec tag ("MJPG" in AVI, "jpeg" in QuickTime), or, without one, the first four
  // letters of the codec's name ("mjpe"g, as in Matroska). V4L2 answers the pixel format.
  for (const char* tag : {"MJPG", "mjpg", "mjpe", "JPEG", "jpeg"}) {
    if (fourcc == cv::VideoWriter::fourcc(tag[0], tag[1], tag[2], tag[3])) return true;
  }
  return false;
}

// Switches an MJPG source to handing out compressed packets, which the shim then decodes itself (TurboJPEG):
//  - FFmpeg (files, streams): CAP_PROP_FORMAT = -1 is its raw mode; it must be set before the first grab();
//  - V4L2 (cameras): CAP_PROP_CONVERT_RGB = 0 gives the driver's buffer as it came, a JPEG when the pixel format is MJPG.
// Either way retrieve() then gives a 1 x N CV_8UC1 Mat holding the packet. Other backends and formats are untouched.
bool pass_compressed(eicv_capture* c) {
  if (c->compressed) return true;
  if (!is_mjpg(static_cast<int>(c->capture.get(cv::CAP_PROP_FOURCC)))) return false;
  const int backend = static_cast<int>(c->capture.get(cv::CAP_PROP_BACKEND));
  if (backend == cv::CAP_FFMPEG) c->compressed = c->capture.set(cv::CAP_PROP_FORMAT, -1);
  else if (backend == cv::CAP_V4L2) c->compressed = c->capture.set(cv::CAP_PROP_CONVERT_RGB, 0);
  return c->compressed;
}

// grab() failing means no next frame (end of file, unplugged camera, closed stream); retrieve() failing or an
// empty Mat after a successful grab means the frame itself could not be decoded.
eicv_status read_into(eicv_capture* c, const eicv::kept_bytes& kept, uint8_t* buffer, int64_t capacity, int32_t* width, int32_t* height) {
  *kept.length = 0;
  *kept.format = EICV_FORMAT_NONE;
  if (!c->capture.isOpened()) return eicv::fail(EICV_NOT_OPEN, "the capture is not open");
  if (!c->capture.grab()) return eicv::fail(EICV_END_OF_STREAM, "no next frame (end of stream, or the source went away)");
  if (!c->capture.retrieve(c->frame) || c->frame.empty()) return eicv::fail(EICV_DECODE_FAILED, "the frame could not be decoded");
  if (c->compressed && c->frame.type() == CV_8UC1 && c->frame.rows == 1 && c->frame.isContinuous()) {
    // A packet that is not a JPEG after all goes to cv::imdecode, as OpenCV's own V4L2 MJPG path would.
    return eicv::keep_and_decode(c->frame.data, static_cast<size_t>(c->frame.cols), kept, buffer, capacity, width, height);
  }
  const cv::Mat* bgr = as_bgr(c);
  if (bgr == nullptr) return eicv::fail(EICV_DECODE_FAILED, "unsupported frame type " + std::to_string(c->frame.type()));
  return copy_out(*bgr, buffer, capacity, width, height);
}

}  // namespace

// Opens a source by name (file path, URL, /dev/videoN or GStreamer pipeline) with backend api (cv::CAP_*).
// params: open-time property pairs (id, value, id, value, ...), e.g. CAP_PROP_READ_TIMEOUT_MSEC for FFmpeg.
EICV_EXPORT eicv_status eicv_capture_open(const char* source, int32_t api, const int32_t* params, int32_t param_count, eicv_capture** out) {
  return eicv::guard("eicv_capture_open", [&]() -> eicv_status {
    if (source == nullptr || out == nullptr || param_count < 0 || param_count % 2 != 0) return eicv::fail(EICV_INVALID_ARGUMENT, "source and out must not be null; params come in pairs");
    *out = nullptr;
    auto c = std::make_unique<eicv_capture>();
    if (!c->capture.open(source, api, open_params(params, param_count)) || !c->capture.isOpened()) {
      return eicv::fail(EICV_OPEN_FAILED, std::string("cannot open video source '") + source + "' with backend " + std::to_string(api));
    }
    *out = c.release();
    return EICV_OK;
  });
}

// Opens a camera by index (V4L2: /dev/video<index>).
EICV_EXPORT eicv_status eicv_capture_open_index(int32_t index, int32_t api, const int32_t* params, int32_t param_count, eicv_capture** out) {
  return eicv::guard("eicv_capture_open_index", [&]() -> eicv_status {
    if (out == nullptr || index < 0 || param_count < 0 || param_count % 2 != 0) return eicv::fail(EICV_INVALID_ARGUMENT, "out must not be null, index >= 0; params come in pairs");
    *out = nullptr;
    auto c = std::make_unique<eicv_capture>();
    if (!c->capture.open(index, api, open_params(params, param_count)) || !c->capture.isOpened()) {
      return eicv::fail(EICV_OPEN_FAILED, "cannot open camera " + std::to_string(index) + " with backend " + std::to_string(api));
    }
    *out = c.release();
    return EICV_OK;
  });
}

EICV_EXPORT void eicv_capture_close(eicv_capture* capture) noexcept {
  try {
    delete capture;
  } catch (...) {
    // A backend failing to release on teardown has nothing left to tell the caller.
  }
}

// For an MJPG source on FFmpeg or V4L2, asks the backend for each frame's JPEG instead of its pixels, so that
// eicv_capture_read_frame decodes it through TurboJPEG and can keep its bytes. Call before the first read.
// *active: 1 when frames now come compressed, 0 when the source keeps OpenCV's decode (not MJPG, other backend).
EICV_EXPORT eicv_status eicv_capture_pass_compressed(eicv_capture* capture, int32_t* active) {
  return eicv::guard("eicv_capture_pass_compressed", [&]() -> eicv_status {
    if (capture == nullptr || active == nullptr) return eicv::fail(EICV_INVALID_ARGUMENT, "capture and active must not be null");
    *active = pass_compressed(capture) ? 1 : 0;
    return EICV_OK;
  });
}

// Reads the next frame as 8-bit BGR into buffer (stride = width*3). When the source passes compressed frames, the
// frame's encoded bytes go into keep as well (when they fit: *encoded_length <= keep_capacity) and *format says
// what they are; otherwise *encoded_length is 0 and *format EICV_FORMAT_NONE.
// EICV_END_OF_STREAM: no next frame; EICV_DECODE_FAILED: this frame is corrupt, the next may be fine.
EICV_EXPORT eicv_status eicv_capture_read_frame(eicv_capture* capture, uint8_t* keep, int64_t keep_capacity, int64_t* encoded_length,
                                                int32_t* format, uint8_t* buffer, int64_t capacity, int32_t* width, int32_t* height) {
  return eicv::guard("eicv_capture_read_frame", [&]() -> eicv_status {
    if (capture == nullptr || encoded_length == nullptr || format == nullptr || width == nullptr || height == nullptr || keep_capacity < 0) {
      return eicv::fail(EICV_INVALID_ARGUMENT, "capture, encoded_length, format, width and height must not be null; keep_capacity must be >= 0");
    }
    return read_into(capture, eicv::kept_bytes{keep, keep_capacity, encoded_length, format}, buffer, capacity, width, height);
  });
}

// cv::VideoCapture::set. *accepted is what OpenCV answers; cameras may still clamp the value, so read it back.
EICV_EXPORT eicv_status eicv_capture_set(eicv_capture* capture, int32_t property, double value, int32_t* accepted) {
  return eicv::guard("eicv_capture_set", [&]() -> eicv_status {
    if (capture == nullptr || accepted == nullptr) return eicv::fail(EICV_INVALID_ARGUMENT, "capture and accepted must not be null");
    *accepted = capture->capture.set(property, value) ? 1 : 0;
    return EICV_OK;
  });
}

// cv::VideoCapture::get. Backends answer 0 for properties they do not know.
EICV_EXPORT eicv_status eicv_capture_get(eicv_capture* capture, int32_t property, double* value) {
  return eicv::guard("eicv_capture_get", [&]() -> eicv_status {
    if (capture == nullptr || value == nullptr) return eicv::fail(EICV_INVALID_ARGUMENT, "capture and value must not be null");
    *value = capture->capture.get(property);
    return EICV_OK;
  });
}

// The backend that opened the source ("FFMPEG", "V4L2", "GSTREAMER", ...), NUL-terminated into buffer.
EICV_EXPORT eicv_status eicv_capture_backend(eicv_capture* capture, char* buffer, int32_t capacity) {
  return eicv::guard("eicv_capture_backend", [&]() -> eicv_status {
    if (capture == nullptr || buffer == nullptr || capacity <= 0) return eicv::fail(EICV_INVALID_ARGUMENT, "capture and buffer must not be null");
    const std::string name = capture->capture.getBackendName();
    if (static_cast<int32_t>(name.size()) + 1 > capacity) return eicv::fail(EICV_BUFFER_TOO_SMALL, "buffer too small for the backend name");
    std::memcpy(buffer, name.c_str(), name.size() + 1);
    return EICV_OK;
  });
}

// Opens a video file for writing 8-bit BGR frames of width x height. fourcc is four characters, e.g. "FFV1", "MJPG".
EICV_EXPORT eicv_status eicv_writer_open(const char* path, const char* fourcc, double fps, int32_t width, int32_t height, eicv_writer** out) {
  return eicv::guard("eicv_writer_open", [&]() -> eicv_status {
    if (path == nullptr || fourcc == nullptr || out == nullptr) return eicv::fail(EICV_INVALID_ARGUMENT, "path, fourcc and out must not be null");
    if (std::strlen(fourcc) != 4) return eicv::fail(EICV_INVALID_ARGUMENT, std::string("fourcc must be four characters, not '") + fourcc + "'");
    if (width <= 0 || height <= 0 || !(fps > 0) || !std::isfinite(fps)) return eicv::fail(EICV_INVALID_ARGUMENT, "width, height and fps must be positive");
    *out = nullptr;
    auto w = std::make_unique<eicv_writer>();
    const int code = cv::VideoWriter::fourcc(fourcc[0], fourcc[1], fourcc[2], fourcc[3]);
    // FFmpeg explicitly: the GStreamer writer would take a plain file name as a pipeline and fail.
    if (!w->writer.open(path, cv::CAP_FFMPEG, code, fps, cv::Size(width, height), true) || !w->writer.isOpened()) {
      return eicv::fail(EICV_OPEN_FAILED, std::string("cannot open '") + path + "' for writing " + fourcc + " video");
    }
    w->width = width;
    w->height = height;
    *out = w.release();
    return EICV_OK;
  });
}

// Appends one BGR frame (rows of stride bytes); its size must match the size given at open.
EICV_EXPORT eicv_status eicv_writer_write(eicv_writer* writer, const uint8_t* pixels, int32_t width, int32_t height, int32_t stride) {
  return eicv::guard("eicv_writer_write", [&]() -> eicv_status {
    if (writer == nullptr || pixels == nullptr) return eicv::fail(EICV_INVALID_ARGUMENT, "writer and pixels must not be null");
    if (width != writer->width || height != writer->height || stride < width * 3) {
      return eicv::fail(EICV_INVALID_ARGUMENT, "frame is " + std::to_string(width) + "x" + std::to_string(height) + " but the writer was opened for " +
                                                   std::to_string(writer->width) + "x" + std::to_string(writer->height));
    }
    const cv::Mat frame(height, width, CV_8UC3, const_cast<uint8_t*>(pixels), static_cast<size_t>(stride));
    writer->writer.write(frame);
    return EICV_OK;
  });
}

// Finishes the file (writes the trailer) and frees the writer.
EICV_EXPORT void eicv_writer_close(eicv_writer* writer) noexcept {
  try {
    delete writer;
  } catch (...) {
    // Nothing useful to report from a destructor at teardown.
  }
}

// The limit for the managed capture path: the same open + read-into-a-buffer loop as eicv_capture_read_frame, in
// C++ alone; with compressed != 0, MJPG comes as packets decoded by TurboJPEG, as OpenCvFrameSource reads it.
// Reads up to max_frames (all when <= 0) and reports how many and how long the whole loop took.
EICV_EXPORT eicv_status eicv_bench_read_file(const char* path, int32_t max_frames, int32_t compressed, int32_t* frames, double* seconds) {
  return eicv::guard("eicv_bench_read_file", [&]() -> eicv_status {
    if (path == nullptr || frames == nullptr || seconds == nullptr) return eicv::fail(EICV_INVALID_ARGUMENT, "path, frames and seconds must not be null");
    const auto start = std::chrono::steady_clock::now();
    eicv_capture c;
    if (!c.capture.open(path, cv::CAP_FFMPEG) || !c.capture.isOpened()) return eicv::fail(EICV_OPEN_FAILED, std::string("cannot open '") + path + "'");
    // Sized from the stream's header, as the managed side sizes its frame pool.
    const auto bytes = static_cast<size_t>(c.capture.get(cv::CAP_PROP_FRAME_WIDTH) * c.capture.get(cv::CAP_PROP_FRAME_HEIGHT) * 3);
    std::vector<uint8_t> buffer(bytes);
    std::vector<uint8_t> keep(bytes);
    if (compressed != 0) pass_compressed(&c);
    int32_t count = 0;
    while (max_frames <= 0 || count < max_frames) {
      int32_t width = 0, height = 0, format = 0;
      int64_t encoded = 0;
      const eicv::kept_bytes kept{keep.data(), static_cast<int64_t>(keep.size()), &encoded, &format};
      const eicv_status status = read_into(&c, kept, buffer.data(), static_cast<int64_t>(buffer.size()), &width, &height);
      if (status == EICV_END_OF_STREAM) break;
      if (status == EICV_DECODE_FAILED) continue;
      if (status != EICV_OK) return status;
      ++count;
    }
    *frames = count;
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    eicv::clear_error();
    return EICV_OK;
  });
}
