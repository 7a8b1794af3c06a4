// The VNNI kernel for kPanels matrices (tensor/weight_panels.h), every
// number of activation rows; included by ops/matmul_vnni.cc inside the
// AVX3_DL target's namespace only.
//
// One 64-byte panel vector holds a byte quad of 16 rows (kQ8_0: one column
// quad; kQ4_0/kQ4_PC: two, in the low and high nibbles). A vpdpbusd of it with
// a broadcast quad of one activation row adds four products to each row's
// int32 lane, so a block needs 8 of them per activation row, and a loaded
// (and, for 4 bits, unpacked) vector serves every activation row of the tile:
// at 8 parallel streams that is 16 vpdpbusd per 64-byte load, where the
// row-major GEMV unpacked each weight vector again for every 4 activation
// rows and rescaled in f32 after every 2 vpdpbusd.
//
// Unsigned weights: kQ8_0 bytes are flipped (w + 128) in registers, the
// nibbles are u = w + 8; each block's int32 sum starts at −c · Σx (c = 128 or
// 8), so it is the exact signed dot product, as in the reference.
//
// Tiles: G panels × I activation rows, G · I f32 accumulators and, up to
// 4 activation rows, two int32 vpdpbusd chains per pair (one alone would be
// latency-bound). One panel at a time for 1 row and for 5 or more (the panel
// stays in L1/L2 while every group of 8 activation rows passes over it); 2
// to 4 rows take 4 or 2 panels so there are enough chains. One panel at a
// time also keeps decode's weight reads one linear stream for the prefetch.

// out rows [16·p0, 16·(p0 + G)) × activation rows [i0, i0 + I).
template <WeightFormat kFormat, int G, int I>
void PanelTile(const Operands& op, const int32_t* bias, int64_t p0, int64_t i0) {
  constexpr bool kQ8 = kFormat == WeightFormat::kQ8_0;
  constexpr int64_t kVectors = kQ8 ? 8 : 4;  // 64-byte panel vectors per block
  constexpr int64_t kBlockStride = kVectors * 64;
  const WeightMatrix& w = *op.w;
  const int64_t nb = w.blocks_per_row();
  const int64_t panel_bytes = nb * kBlockStride;
  const auto* base = static_cast<const uint8_t*>(w.data);
  const uint8_t* const end = base + w.rows / kPanelRows * panel_bytes;
  // Each of the G panel streams prefetched this far ahead: about 8 KB in
  // flight in all, as for the row-major GEMV.
  constexpr int64_t kAhead = std::max<int64_t>(1024, 8192 / G);
  const uint8_t* panel[G];
  const uint16_t* scales[G];
  for (int g = 0; g < G; ++g) {
    panel[g] = base + (p0 + g) * panel_bytes;
    scales[g] = kFormat == WeightFormat::kQ4_PC ? nullptr
                                                 : w.block_scales() + (p0 + g) * nb * kPanelRows;
  }
  const int8_t* x[I];
  const float* sx[I];
  const int32_t* bx[I];
  for (int i = 0; i < I; ++i) {
    x[i] = op.xq->Row(i0 + i);
    sx[i] = op.xq->RowScales(i0 + i);
    bx[i] = bias + (i0 + i) * nb;
  }
  const __m512i low_nibbles = _mm512_set1_epi8(0x0f);
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512 acc[G][I];
  for (int g = 0; g < G; ++g)
    for (int i = 0; i < I; ++i) acc[g][i] = _mm512_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    for (int g = 0; g < G; ++g) {
      matmul_detail::PrefetchLines(panel[g] + b * kBlockStride + kAhead, kBlockStride, end);
    }
    // Two int32 chains per (panel, activation row), joined at the block's
    // end, halve the dependent vpdpbusd run that one panel alone would have.
    constexpr int kChains = I <= 4 ? 2 : 1;
    __m512i d[G][I][2];
    for (int i = 0; i < I; ++i) {
      const __m512i start = _mm512_set1_epi32(bx[i][b]);
      for (int g = 0; g < G; ++g) {
        d[g][i][0] = start;
        d[g][i][1] = _mm512_setzero_si512();
      }
    }
    for (int64_t v = 0; v < kVectors; ++v) {
      for (int g = 0; g < G; ++g) {
        const __m512i wv = _mm512_load_si512(panel[g] + b * kBlockStride + v * 64);
        if constexpr (kQ8) {
          const __m512i u = _mm512_xor_si512(wv, flip);
          for (int i = 0; i < I; ++i) {
            int32_t quad;
            std::memcpy(&quad, x[i] + b * kQuantBlock + 4 * v, 4);
            __m512i& chain = d[g][i][v % kChains];
            chain = _mm512_dpbusd_epi32(chain, u, _mm512_set1_epi32(quad));
          }
        } else {
          const __m512i lo = _mm512_and_si512(wv, low_nibbles);
          const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(wv, 4), low_nibbles);
          for (int i = 0; i < I; ++i) {
            int32_t quad_lo, quad_hi;
            std::memcpy(&quad_lo, x[i] + b * kQuantBlock + 4 * v, 4);
            std::memcpy(&quad_hi, x[i] + b * kQuantBlock + 16 + 4 * v, 4);
            __m512i& chain_lo = d[g][i][0];
            __m512i& chain_hi = d[g][i][kChains - 1];
            chain_lo = _mm512_dpbusd_epi32(chain_lo, lo, _mm512_set1_epi32(quad_lo));
            chain_hi = _mm512_dpbusd_epi32(chain_hi, hi, _mm512_set1_epi32(quad_hi));
          }
        }
      }
    }
    for (int g = 0; g < G; ++g) {
      // kQ4_PC: the row scale is applied once at the end.
      __m512 sw = _mm512_set1_ps(1.0f);
      if constexpr (kFormat != WeightFormat::kQ4_PC) {
        sw = _mm512_cvtph_ps(
            _mm256_load_si256(reinterpret_cast<const __m256i*>(scales[g] + b * kPanelRows)));
      }
      for (int i = 0; i < I; ++i) {
        const __m512i dot = kChains == 2 ? _mm512_add_epi32(d[g][i][0], d[g][i][1]) : d[g][i][0];
        const __m512 scale = kFormat == WeightFormat::kQ4_PC
                                 ? _mm512_set1_ps(sx[i][b])
                                 : _mm512_mul_ps(sw, _mm512_set1_ps(sx[i][b]));
        acc[g][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc[g][i]);
      }
    }
  }
  for (int g = 0; g < G; ++g) {
    const int64_t r0 = (p0 + g) * kPanelRows;
    const __m512 row_scale = kFormat == WeightFormat::kQ4_PC ? _mm512_loadu_ps(w.row_scales() + r0)
                                                             : _mm512_set1_ps(1.0f);
    const __m512 b = op.bias != nullptr ? _mm512_loadu_ps(op.bias + r0) : _mm512_setzero_ps();
    for (int i = 0; i < I; ++i) {
      _mm512_storeu_ps(op.y + (i0 + i) * w.rows + r0, _mm512_fmadd_ps(acc[g][i], row_scale, b));
    }
  }
}

// Panels [p, p_end) × activation rows [i0, i0 + I): tiles of G panels, the
// rest one panel at a time.
template <WeightFormat kFormat, int G, int I>
void PanelRun(const Operands& op, const int32_t* bias, int64_t p, int64_t p_end, int64_t i0) {
  for (; p + G <= p_end; p += G) PanelTile<kFormat, G, I>(op, bias, p, i0);
  if constexpr (G > 1) {
    for (; p < p_end; ++p) PanelTile<kFormat, 1, I>(op, bias, p, i0);
  }
}

// Up to 8 activation rows [i0, i0 + count) over one panel.
template <WeightFormat kFormat>
void PanelActivationGroup(const Operands& op, const int32_t* bias, int64_t p, int64_t i0,
                          int64_t count) {
  switch (count) {
    case 8: return PanelTile<kFormat, 1, 8>(op, bias, p, i0);
    case 7: return PanelTile<kFormat, 1, 7>(op, bias, p, i0);
    case 6: return PanelTile<kFormat, 1, 6>(op, bias, p, i0);
    case 5: return PanelTile<kFormat, 1, 5>(op, bias, p, i0);
    case 4: return PanelTile<kFormat, 1, 4>(op, bias, p, i0);
    case 3: return PanelTile<kFormat, 1, 3>(op, bias, p, i0);
    case 2: return PanelTile<kFormat, 1, 2>(op, bias, p, i0);
    case 1: return PanelTile<kFormat, 1, 1>(op, bias, p, i0);
    default: return;
  }
}

// y[:, row_begin:row_end] of a kPanels matrix; both ends are multiples of 16
// (MatMulBatch hands out rows in multiples of kRowGrain).
template <WeightFormat kFormat>
void PanelRows(const Operands& op, int64_t row_begin, int64_t row_end) {
  const int64_t nb = op.w->blocks_per_row();
  auto& bias = ThreadScratch().bias;
  const int32_t shift = kFormat == WeightFormat::kQ8_0 ? 128 : 8;
  bias.resize(op.n * nb);
  for (int64_t k = 0; k < op.n * nb; ++k) bias[k] = -shift * op.xq->sums[k];
  const int64_t p_begin = row_begin / kPanelRows, p_end = row_end / kPanelRows;
  switch (op.n) {
    case 2: return PanelRun<kFormat, 4, 2>(op, bias.data(), p_begin, p_end, 0);
    case 3: return PanelRun<kFormat, 2, 3>(op, bias.data(), p_begin, p_end, 0);
    case 4: return PanelRun<kFormat, 2, 4>(op, bias.data(), p_begin, p_end, 0);
    default:
      for (int64_t p = p_begin; p < p_end; ++p) {
        for (int64_t i = 0; i < op.n; i += 8) {
          PanelActivationGroup<kFormat>(op, bias.data(), p, i, std::min<int64_t>(8, op.n - i));
        }
      }
      return;
  }
}
