// Image processing for inference: frame -> model input tensor, written into caller-owned float buffers.
#include "eicv.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <string>

namespace {

eicv_status check_roi(int32_t width, int32_t height, int32_t stride, int32_t roi_x, int32_t roi_y, int32_t roi_w, int32_t roi_h) {
  if (width <= 0 || height <= 0 || stride < width * 3) return eicv::fail(EICV_INVALID_ARGUMENT, "frame size or stride is invalid");
  if (roi_x < 0 || roi_y < 0 || roi_w <= 0 || roi_h <= 0 || roi_x + roi_w > width || roi_y + roi_h > height) {
    return eicv::fail(EICV_INVALID_ARGUMENT, "ROI x=" + std::to_string(roi_x) + " y=" + std::to_string(roi_y) + " w=" + std::to_string(roi_w) +
                                                 " h=" + std::to_string(roi_h) + " does not fit a " + std::to_string(width) + "x" +
                                                 std::to_string(height) + " frame");
  }
  return EICV_OK;
}

// cv::resize with INTER_LINEAR on the ROI view: the exact call the model was trained with (cv2.resize on uint8),
// including OpenCV's fixed-point rounding for 8-bit images.
void resize_roi(const uint8_t* bgr, int32_t width, int32_t height, int32_t stride, int32_t roi_x, int32_t roi_y, int32_t roi_w, int32_t roi_h,
                cv::Mat& out) {
  const cv::Mat frame(height, width, CV_8UC3, const_cast<uint8_t*>(bgr), static_cast<size_t>(stride));
  cv::resize(frame(cv::Rect(roi_x, roi_y, roi_w, roi_h)), out, out.size(), 0, 0, cv::INTER_LINEAR);
}

}  // namespace

// Crops the ROI of a BGR frame and resizes it (INTER_LINEAR) to out_w x out_h into a caller-owned BGR buffer
// (stride out_w*3). Tests use it to build an independent reference of the preprocessing.
EICV_EXPORT eicv_status eicv_resize_roi(const uint8_t* bgr, int32_t width, int32_t height, int32_t stride, int32_t roi_x, int32_t roi_y,
                                        int32_t roi_w, int32_t roi_h, int32_t out_w, int32_t out_h, uint8_t* out, int64_t capacity) {
  return eicv::guard("eicv_resize_roi", [&]() -> eicv_status {
    if (bgr == nullptr || out == nullptr || out_w <= 0 || out_h <= 0) return eicv::fail(EICV_INVALID_ARGUMENT, "buffers must not be null and the output size must be > 0");
    if (const auto s = check_roi(width, height, stride, roi_x, roi_y, roi_w, roi_h); s != EICV_OK) return s;
    if (capacity < static_cast<int64_t>(out_w) * out_h * 3) return eicv::fail(EICV_BUFFER_TOO_SMALL, "output buffer cannot hold the resized image");
    cv::Mat resized(out_h, out_w, CV_8UC3, out);
    resize_roi(bgr, width, height, stride, roi_x, roi_y, roi_w, roi_h, resized);
    if (resized.data != out) return eicv::fail(EICV_ERROR, "cv::resize reallocated the output");
    return EICV_OK;
  });
}

// The whole input contract in one call: ROI crop, INTER_LINEAR resize to out_w x out_h, channel order
// (swap_rb != 0 gives RGB), then (pixel * scale - mean[c]) / std[c] per output channel, written planar (NCHW,
// batch 1) into tensor, which holds capacity floats. mean and std are in output channel order.
EICV_EXPORT eicv_status eicv_preprocess_nchw(const uint8_t* bgr, int32_t width, int32_t height, int32_t stride, int32_t roi_x, int32_t roi_y,
                                             int32_t roi_w, int32_t roi_h, int32_t out_w, int32_t out_h, int32_t swap_rb, float scale,
                                             const float* mean, const float* std_dev, float* tensor, int64_t capacity) {
  return eicv::guard("eicv_preprocess_nchw", [&]() -> eicv_status {
    if (bgr == nullptr || tensor == nullptr || mean == nullptr || std_dev == nullptr || out_w <= 0 || out_h <= 0) {
      return eicv::fail(EICV_INVALID_ARGUMENT, "buffers must not be null and the output size must be > 0");
    }
    if (const auto s = check_roi(width, height, stride, roi_x, roi_y, roi_w, roi_h); s != EICV_OK) return s;
    const int64_t plane = static_cast<int64_t>(out_w) * out_h;
    if (capacity < plane * 3) return eicv::fail(EICV_BUFFER_TOO_SMALL, "tensor buffer cannot hold 3 x " + std::to_string(out_h) + " x " + std::to_string(out_w) + " floats");

    // The resized ROI is small (224x224x3 = 150 KB); one per thread, reused, so steady state allocates nothing.
    thread_local cv::Mat resized;
    resized.create(out_h, out_w, CV_8UC3);
    resize_roi(bgr, width, height, stride, roi_x, roi_y, roi_w, roi_h, resized);

    // A byte has 256 values, so per channel the normalisation is a table: same float arithmetic as the formula,
    // computed once per call instead of once per pixel.
    float table[3][256];
    for (int c = 0; c < 3; ++c) {
      for (int v = 0; v < 256; ++v) table[c][v] = (static_cast<float>(v) * scale - mean[c]) / std_dev[c];
    }
    // Output channel c reads source channel src[c]: BGR stays BGR, or is swapped to RGB.
    const int src[3] = {swap_rb ? 2 : 0, 1, swap_rb ? 0 : 2};
    float* planes[3] = {tensor, tensor + plane, tensor + 2 * plane};
    for (int y = 0; y < out_h; ++y) {
      const uint8_t* row = resized.ptr<uint8_t>(y);
      const int64_t offset = static_cast<int64_t>(y) * out_w;
      for (int c = 0; c < 3; ++c) {
        const float* t = table[c];
        const int s = src[c];
        float* dst = planes[c] + offset;
        for (int x = 0; x < out_w; ++x) dst[x] = t[row[x * 3 + s]];
      }
    }
    return EICV_OK;
  });
}
