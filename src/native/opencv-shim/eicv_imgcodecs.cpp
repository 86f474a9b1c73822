// Image files and buffers: decode into caller-owned BGR buffers, encode JPEG into caller-owned byte buffers.
#include "eicv_image.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Copies a decoded BGR image into the caller's buffer, row by row, with the caller's stride (width*3).
eicv_status copy_out(const cv::Mat& image, uint8_t* buffer, int64_t capacity, int32_t* width, int32_t* height) {
  if (image.empty()) return eicv::fail(EICV_DECODE_FAILED, "the data is not an image OpenCV can decode");
  if (image.type() != CV_8UC3) return eicv::fail(EICV_DECODE_FAILED, "decoded image is not 8-bit, 3-channel");
  *width = image.cols;
  *height = image.rows;
  const int64_t row = static_cast<int64_t>(image.cols) * 3;
  if (buffer == nullptr || capacity < row * image.rows) {
    return eicv::fail(EICV_BUFFER_TOO_SMALL, "buffer of " + std::to_string(capacity) + " bytes cannot hold a " +
                                                 std::to_string(image.cols) + "x" + std::to_string(image.rows) + " BGR image");
  }
  if (image.isContinuous()) {
    std::memcpy(buffer, image.data, static_cast<size_t>(row * image.rows));
  } else {
    for (int y = 0; y < image.rows; ++y) std::memcpy(buffer + row * y, image.ptr(y), static_cast<size_t>(row));
  }
  return EICV_OK;
}

// Closes a file descriptor on every way out.
struct file_descriptor {
  int fd;
  ~file_descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads exactly length bytes; false on a read error or a file that shrank under us.
bool read_all(int fd, uint8_t* target, size_t length) {
  size_t done = 0;
  while (done < length) {
    const ssize_t got = ::read(fd, target + done, length - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

}  // namespace

namespace eicv {

eicv_status decode_with_opencv(const uint8_t* data, size_t length, uint8_t* bgr, int64_t capacity, int32_t* width, int32_t* height) {
  if (length > static_cast<size_t>(INT_MAX)) return fail(EICV_DECODE_FAILED, "encoded image of " + std::to_string(length) + " bytes is too large for cv::imdecode");
  // Reused per thread: cv::imdecode reallocates it only when the image size or type changes.
  thread_local cv::Mat decoded;
  const cv::Mat encoded(1, static_cast<int>(length), CV_8UC1, const_cast<uint8_t*>(data));
  cv::imdecode(encoded, cv::IMREAD_COLOR, &decoded);
  return copy_out(decoded, bgr, capacity, width, height);
}

eicv_status decode_any(const uint8_t* data, size_t length, uint8_t* bgr, int64_t capacity, int32_t* width, int32_t* height) {
  if (data == nullptr || length == 0) return fail(EICV_DECODE_FAILED, "the encoded image is empty");
  if (sniff_format(data, length) == EICV_FORMAT_JPEG) return decode_jpeg(data, length, bgr, capacity, width, height);
  return decode_with_opencv(data, length, bgr, capacity, width, height);
}

eicv_status keep_and_decode(const uint8_t* data, size_t length, const kept_bytes& out, uint8_t* bgr, int64_t capacity, int32_t* width,
                            int32_t* height) {
  *out.length = static_cast<int64_t>(length);
  *out.format = sniff_format(data, length);
  if (out.keep != nullptr && length > 0 && static_cast<int64_t>(length) <= out.capacity) std::memcpy(out.keep, data, length);
  return decode_any(data, length, bgr, capacity, width, height);
}

}  // namespace eicv

// Reads an image file: its bytes into keep (when they fit: *encoded_length <= keep_capacity) and the image, as
// 8-bit BGR, into bgr (stride width*3). JPEG decodes through TurboJPEG, other formats through cv::imdecode.
// EICV_OPEN_FAILED: the file cannot be opened. EICV_DECODE_FAILED: empty, unreadable, corrupt or truncated.
// EICV_BUFFER_TOO_SMALL: *width and *height say what is needed (a null bgr asks only for the size).
EICV_EXPORT eicv_status eicv_image_read_file(const char* path, uint8_t* keep, int64_t keep_capacity, int64_t* encoded_length, int32_t* format,
                                             uint8_t* bgr, int64_t capacity, int32_t* width, int32_t* height) {
  return eicv::guard("eicv_image_read_file", [&]() -> eicv_status {
    if (path == nullptr || encoded_length == nullptr || format == nullptr || width == nullptr || height == nullptr || keep_capacity < 0) {
      return eicv::fail(EICV_INVALID_ARGUMENT, "path, encoded_length, format, width and height must not be null; keep_capacity must be >= 0");
    }
    *encoded_length = 0;
    *format = EICV_FORMAT_NONE;
    *width = 0;
    *height = 0;
    const file_descriptor file{::open(path, O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) return eicv::fail(EICV_OPEN_FAILED, std::string("cannot open '") + path + "': " + std::strerror(errno));
    struct stat info {};
    if (::fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode)) return eicv::fail(EICV_DECODE_FAILED, std::string("'") + path + "' is not a regular file");
    if (info.st_size == 0) return eicv::fail(EICV_DECODE_FAILED, std::string("'") + path + "' is empty");
    const auto length = static_cast<size_t>(info.st_size);
    // A file larger than the caller's keep buffer is read into a per-thread scratch buffer; it is still decoded.
    thread_local std::vector<uint8_t> scratch;
    uint8_t* target = keep;
    if (keep == nullptr || info.st_size > keep_capacity) {
      if (scratch.size() < length) scratch.resize(length);
      target = scratch.data();
    }
    if (!read_all(file.fd, target, length)) return eicv::fail(EICV_DECODE_FAILED, std::string("cannot read all of '") + path + "': " + std::strerror(errno));
    *encoded_length = info.st_size;
    *format = eicv::sniff_format(target, length);
    const eicv_status status = eicv::decode_any(target, length, bgr, capacity, width, height);
    if (status != EICV_OK && status != EICV_BUFFER_TOO_SMALL) return eicv::fail(status, std::string("'") + path + "': " + eicv_last_error());
    return status;
  });
}

// Reads an image file (JPEG, PNG, ...) as 8-bit BGR into buffer (stride = width*3).
// On EICV_BUFFER_TOO_SMALL, *width and *height still say what is needed.
EICV_EXPORT eicv_status eicv_image_read(const char* path, uint8_t* buffer, int64_t capacity, int32_t* width, int32_t* height) {
  return eicv::guard("eicv_image_read", [&]() -> eicv_status {
    if (path == nullptr || width == nullptr || height == nullptr) return eicv::fail(EICV_INVALID_ARGUMENT, "path, width and height must not be null");
    cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
    if (image.empty()) return eicv::fail(EICV_DECODE_FAILED, std::string("cannot read an image from '") + path + "' (missing, unreadable or not an image)");
    return copy_out(image, buffer, capacity, width, height);
  });
}

// Decodes an encoded image held in memory (JPEG, PNG, ...) as 8-bit BGR into buffer (stride = width*3).
EICV_EXPORT eicv_status eicv_image_decode(const uint8_t* data, int64_t length, uint8_t* buffer, int64_t capacity, int32_t* width, int32_t* height) {
  return eicv::guard("eicv_image_decode", [&]() -> eicv_status {
    if (data == nullptr || length <= 0 || width == nullptr || height == nullptr) return eicv::fail(EICV_INVALID_ARGUMENT, "data must be non-empty; width and height must not be null");
    const cv::Mat encoded(1, static_cast<int>(length), CV_8UC1, const_cast<uint8_t*>(data));
    return copy_out(cv::imdecode(encoded, cv::IMREAD_COLOR), buffer, capacity, width, height);
  });
}

// Encodes a BGR image (rows of stride bytes) as JPEG at quality 0..100 into the caller's buffer.
// *written receives the encoded size; on EICV_BUFFER_TOO_SMALL it says how many bytes are needed.
EICV_EXPORT eicv_status eicv_image_encode_jpeg(const uint8_t* pixels, int32_t width, int32_t height, int32_t stride, int32_t quality,
                                               uint8_t* buffer, int64_t capacity, int64_t* written) {
  return eicv::guard("eicv_image_encode_jpeg", [&]() -> eicv_status {
    if (pixels == nullptr || written == nullptr) return eicv::fail(EICV_INVALID_ARGUMENT, "pixels and written must not be null");
    if (width <= 0 || height <= 0 || stride < width * 3) return eicv::fail(EICV_INVALID_ARGUMENT, "width and height must be positive and stride >= width*3");
    if (quality < 0 || quality > 100) return eicv::fail(EICV_INVALID_ARGUMENT, "JPEG quality must be 0..100");
    const cv::Mat image(height, width, CV_8UC3, const_cast<uint8_t*>(pixels), static_cast<size_t>(stride));
    std::vector<uint8_t> encoded;
    if (!cv::imencode(".jpg", image, encoded, {cv::IMWRITE_JPEG_QUALITY, quality})) return eicv::fail(EICV_ERROR, "JPEG encoding failed");
    *written = static_cast<int64_t>(encoded.size());
    if (buffer == nullptr || capacity < *written) return eicv::fail(EICV_BUFFER_TOO_SMALL, "buffer of " + std::to_string(capacity) + " bytes cannot hold the " + std::to_string(*written) + "-byte JPEG");
    std::memcpy(buffer, encoded.data(), encoded.size());
    return EICV_OK;
  });
}
