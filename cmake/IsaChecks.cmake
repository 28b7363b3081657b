# Can this compiler emit each ISA we have a kernel for? A kernel whose flags the compiler
# rejects is left out of the build (and out of the registry) instead of failing the build.
include(CheckCXXSourceCompiles)
include(CMakePushCheckState)

function(powlab_check_isa var flags code)
  cmake_push_check_state(RESET)
  set(CMAKE_REQUIRED_FLAGS "${flags}")
  check_cxx_source_compiles("#include <immintrin.h>\nint main(){${code}}" ${var})
  cmake_pop_check_state()
endfunction()

powlab_check_isa(POWLAB_HAVE_AVX2 "-mavx2"
  "__m256i a = _mm256_set1_epi32(1); a = _mm256_add_epi32(a, a); return _mm256_extract_epi32(a, 0);")
powlab_check_isa(POWLAB_HAVE_AVX512 "-mavx512f -mavx512vl"
  "__m512i a = _mm512_set1_epi32(1); a = _mm512_ror_epi32(a, 3); return _mm512_reduce_add_epi32(a);")
powlab_check_isa(POWLAB_HAVE_SHANI "-msha -msse4.1"
  "__m128i a = _mm_set1_epi32(1); a = _mm_sha256rnds2_epu32(a, a, a); return _mm_extract_epi32(a, 0);")
