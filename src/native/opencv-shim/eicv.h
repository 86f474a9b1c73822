// EdgeInspect OpenCV shim: the contract shared by every export.
//
// Rules (see docs/native.md):
//  - every export is plain extern "C", named eicv_<area>_<verb>, and returns an eicv_status;
//  - no C++ exception crosses the boundary: every body runs inside eicv::guard();
//  - on failure the message is kept per thread and read with eicv_last_error();
//  - frames and tensors are written into buffers the caller owns; the shim never hands out memory.
#pragma once

#include <cstdint>

#define EICV_EXPORT extern "C" __attribute__((visibility("default")))

// Status codes. The managed side (OpenCv/CvStatus.cs) mirrors these values; append only.
enum eicv_status : int32_t {
  EICV_OK = 0,
  EICV_ERROR = 1,              // unexpected failure (an OpenCV or C++ exception); see eicv_last_error
  EICV_INVALID_ARGUMENT = 2,   // a null pointer, a bad size or a value out of range
  EICV_BUFFER_TOO_SMALL = 3,   // the caller's buffer cannot hold the result
  EICV_OPEN_FAILED = 4,        // a source or sink could not be opened
  EICV_END_OF_STREAM = 5,      // no more frames (file ended, stream closed, folder exhausted)
  EICV_DECODE_FAILED = 6,      // the data could not be decoded into an image
  EICV_NOT_OPEN = 7,           // the handle is closed or was never opened
  EICV_UNSUPPORTED = 8,        // the backend does not support the request
  EICV_TIMEOUT = 9,            // a read did not complete in time
};

// What the encoded bytes kept beside a frame are. The managed side (Frames/CompressedFormat.cs) mirrors these
// values; append only. Formats not named here are still decoded, but their bytes are reported as NONE.
enum eicv_format : int32_t {
  EICV_FORMAT_NONE = 0,
  EICV_FORMAT_JPEG = 1,
  EICV_FORMAT_PNG = 2,
};

// The message of the last failed call on this thread (eicv_core.cpp).
EICV_EXPORT const char* eicv_last_error();

#ifdef __cplusplus
#include <exception>
#include <string>

namespace eicv {

// Records the message for eicv_last_error() on this thread and returns the status.
eicv_status fail(eicv_status status, const std::string& message);

// Clears this thread's last error.
void clear_error();

// Runs body (returning eicv_status) and converts any exception into EICV_ERROR with its message.
template <typename Body>
eicv_status guard(const char* where, Body&& body) noexcept {
  try {
    clear_error();
    return body();
  } catch (const std::exception& e) {
    return fail(EICV_ERROR, std::string(where) + ": " + e.what());
  } catch (...) {
    return fail(EICV_ERROR, std::string(where) + ": unknown C++ exception");
  }
}

}  // namespace eicv
#endif
