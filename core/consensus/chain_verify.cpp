#include "powlab/consensus/chain_verify.h"

#include <algorithm>
#include <array>

#include "powlab/consensus/pow.h"
#include "powlab/consensus/retarget.h"
#include "powlab/consensus/target.h"

namespace powlab {

std::string_view to_string(HeaderReject r) {
  switch (r) {
    case HeaderReject::bad_prevblk: return "bad-prevblk";
    case HeaderReject::high_hash: return "high-hash";
    case HeaderReject::bad_diffbits: return "bad-diffbits";
    case HeaderReject::time_too_old: return "time-too-old";
    case HeaderReject::time_too_new: return "time-too-new";
    case HeaderReject::bad_length: return "bad-length";
  }
  return "unknown";
}

namespace {

// The checks for header i given the ones before it in the file. Linkage first: a header
// spliced in from elsewhere is reported as the broken link it is, not as bad work. Both are
// cheap (one hash, needed anyway for the next link) before any contextual rule.
std::optional<HeaderFailure> check_one(std::span<const BlockHeader> headers, std::size_t i, const Hash256& hash,
                                       const Hash256& prev_hash, std::int64_t first_height, const ConsensusParams& params,
                                       const VerifyOptions& options, std::vector<std::string>& unchecked) {
  const BlockHeader& h = headers[i];
  const std::int64_t height = first_height + static_cast<std::int64_t>(i);
  auto fail = [&](HeaderReject r, std::string detail) {
    return HeaderFailure{height, hash, r, std::move(detail)};
  };

  if (i > 0 && h.prev_hash != prev_hash) {
    return fail(HeaderReject::bad_prevblk, "prev_hash " + hash_to_display(h.prev_hash) +
                                               " is not the previous header's hash " + hash_to_display(prev_hash));
  }
  if (const PowStatus pow = check_proof_of_work(hash, h.bits, params.pow_limit); pow != PowStatus::ok) {
    return fail(HeaderReject::high_hash, "proof of work fails: " + std::string(to_string(pow)) + " (nBits " +
                                             bits_hex(h.bits) + ")");
  }

  // nBits: the retarget rule (next_work_required), given the period's first block when the
  // input holds it; otherwise only the x4 / /4 bounds, which need no first block.
  if (height > 0) {
    if (i == 0) {
      unchecked.push_back("nBits of the first header (height " + std::to_string(height) +
                          "): its predecessor is not in the input");
    } else {
      const BlockHeader& last = headers[i - 1];
      auto first_time = [&](std::int64_t first) -> std::optional<std::int64_t> {
        if (first < first_height) return std::nullopt;
        return headers[static_cast<std::size_t>(first - first_height)].time;
      };
      const std::optional<std::uint32_t> expected = next_work_required(height, last.bits, last.time, params, first_time);
      if (!expected) {
        if (!permitted_difficulty_transition(height, last.bits, h.bits, params)) {
          return fail(HeaderReject::bad_diffbits, "nBits " + bits_hex(h.bits) +
                                                      " is outside the x4 / /4 retarget bounds from " +
                                                      bits_hex(last.bits));
        }
        unchecked.push_back("retarget at height " + std::to_string(height) + ": the period's first block (height " +
                            std::to_string(height - params.interval()) +
                            ") is not in the input, so only the x4 / /4 bounds were checked");
      } else if (h.bits != *expected) {
        if (!is_retarget_height(height, params)) {
          return fail(HeaderReject::bad_diffbits, "nBits " + bits_hex(h.bits) + " changed inside a period (expected " +
                                                      bits_hex(*expected) + ")");
        }
        return fail(HeaderReject::bad_diffbits,
                    "nBits " + bits_hex(h.bits) + " differs from the retarget rule's " + bits_hex(*expected));
      }
    }
  }

  // Median-time-past over the previous 11 blocks. Near genesis Core uses those that exist;
  // for a file starting later, a partial window could wrongly reject, so it is skipped.
  const auto span = std::min(static_cast<std::size_t>(params.median_time_span), kMedianTimeSpan);
  const std::size_t available = std::min(i, span);
  if (i > 0 && (available == span || first_height == 0)) {
    std::array<std::int64_t, kMedianTimeSpan> prev{};
    for (std::size_t k = 0; k < available; ++k) prev[k] = headers[i - available + k].time;
    const std::int64_t mtp = median_time_past(std::span(prev.data(), available));
    if (h.time <= mtp) {
      return fail(HeaderReject::time_too_old, "time " + std::to_string(h.time) +
                                                  " is not after the median of the previous " +
                                                  std::to_string(available) + " (" + std::to_string(mtp) + ")");
    }
  } else if (i == 1) {
    unchecked.push_back("median-time-past for the first " + std::to_string(span) +
                        " headers: fewer than 11 predecessors are in the input");
  }

  if (options.now && static_cast<std::int64_t>(h.time) > *options.now + params.max_future_block_time) {
    return fail(HeaderReject::time_too_new, "time " + std::to_string(h.time) + " is more than " +
                                                std::to_string(params.max_future_block_time) + " s in the future");
  }
  return std::nullopt;
}

}  // namespace

ChainVerifyResult verify_header_chain(std::span<const BlockHeader> headers, std::int64_t first_height,
                                      const ConsensusParams& params, const VerifyOptions& options) {
  ChainVerifyResult r;
  r.first_height = first_height;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const Hash256 hash = headers[i].hash();
    if (auto failure = check_one(headers, i, hash, r.tip, first_height, params, options, r.unchecked)) {
      r.failure = std::move(failure);
      return r;
    }
    r.headers = i + 1;
    r.tip = hash;
    r.chainwork += block_work(headers[i].bits);
  }
  return r;
}

}  // namespace powlab
