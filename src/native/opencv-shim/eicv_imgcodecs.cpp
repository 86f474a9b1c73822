// Image files and buffers: decode into caller-owned BGR buffers, encode JPEG into caller-owned byte buffers.
#include "eicv.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstring>
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

}  // namespace

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
