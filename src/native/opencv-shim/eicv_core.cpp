// Library-wide exports: last error, version and build information.
#include "eicv.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <cstring>

namespace {
thread_local std::string last_error;
}

namespace eicv {

eicv_status fail(eicv_status status, const std::string& message) {
  last_error = message;
  return status;
}

void clear_error() { last_error.clear(); }

}  // namespace eicv

// The message of the last failed call on this thread, or "" after a success. Valid until the next call.
EICV_EXPORT const char* eicv_last_error() { return last_error.c_str(); }

// The OpenCV version the shim runs against, e.g. "4.6.0".
EICV_EXPORT const char* eicv_opencv_version() { return CV_VERSION; }

// Copies cv::getBuildInformation() into buffer. *required receives the size needed including the
// terminating NUL, so a caller can retry with a larger buffer on EICV_BUFFER_TOO_SMALL.
EICV_EXPORT eicv_status eicv_build_information(char* buffer, int32_t capacity, int32_t* required) {
  return eicv::guard("eicv_build_information", [&]() -> eicv_status {
    if (required == nullptr || capacity < 0) return eicv::fail(EICV_INVALID_ARGUMENT, "required must not be null and capacity must be >= 0");
    const std::string& info = cv::getBuildInformation();
    *required = static_cast<int32_t>(info.size() + 1);
    if (buffer == nullptr || capacity < *required) return eicv::fail(EICV_BUFFER_TOO_SMALL, "buffer too small for build information");
    std::memcpy(buffer, info.c_str(), info.size() + 1);
    return EICV_OK;
  });
}

// Sets OpenCV's own log level (0 silent ... 6 verbose). Camera probing logs warnings on stderr by default.
EICV_EXPORT eicv_status eicv_set_log_level(int32_t level) {
  return eicv::guard("eicv_set_log_level", [&]() -> eicv_status {
    if (level < 0 || level > 6) return eicv::fail(EICV_INVALID_ARGUMENT, "log level must be 0..6");
    cv::utils::logging::setLogLevel(static_cast<cv::utils::logging::LogLevel>(level));
    return EICV_OK;
  });
}
