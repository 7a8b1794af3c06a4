// The VNNI GEMM of ops/matmul_vnni.cc (prefill), included there inside the
// AVX3_DL target's namespace only.
//
// Panel layout (one per 16 weight rows, rebuilt per call in per-thread
// scratch, so the stored weight layout stays the plain row-major one):
//   bytes  [nb][8][16][4]: block b, column quad q (columns 4q..4q+3 of the
//          block), row r: the four weights of row r as unsigned bytes
//          (kQ8_0: w + 128; kQ4_0/kQ4_PC: the nibbles u = w + 8).
//   scales [nb][16] f32: block scale of each row (kQ4_PC: the row's scale).
// One vpdpbusd of a panel vector with a broadcast quad of an activation row
// adds 4 products to each of the 16 rows' int32 lanes; 8 of them finish the
// block, which is then scaled into f32 accumulators (lane = output row).
// Register tile: 2 panels (32 rows) × kPanelActs activation rows: 8 int32
// and 8 f32 accumulators. The two panels (2 × 16 × cols bytes, ≤ 160 KB for
// 4864 columns) stay in L2 while every activation row passes over them.

// Fills rows [r0, r0 + 16) of `w` into a panel (layout above).
template <WeightFormat kFormat>
void PackPanel(const WeightMatrix& w, int64_t r0, uint8_t* panel, float* scales) {
  const int64_t nb = w.blocks_per_row();
  for (int64_t r = 0; r < kPanelRows; ++r) {
    const int64_t row = r0 + r;
    for (int64_t b = 0; b < nb; ++b) {
      alignas(32) uint8_t u[32];
      if constexpr (kFormat == WeightFormat::kQ8_0) {
        const __m256i v = _mm256_loadu_si256(
            reinterpret_cast<const __m256i*>(w.q8() + row * w.cols + b * kQuantBlock));
        _mm256_store_si256(reinterpret_cast<__m256i*>(u),
                           _mm256_xor_si256(v, _mm256_set1_epi8(static_cast<char>(0x80))));
        scales[b * kPanelRows + r] = F16ToF32(w.block_scales()[row * nb + b]);
      } else {
        const __m128i v = _mm_loadu_si128(
            reinterpret_cast<const __m128i*>(w.q4() + row * (w.cols / 2) + b * (kQuantBlock / 2)));
        const __m128i mask = _mm_set1_epi8(0x0f);
        _mm_store_si128(reinterpret_cast<__m128i*>(u), _mm_and_si128(v, mask));
        _mm_store_si128(reinterpret_cast<__m128i*>(u + 16),
                        _mm_and_si128(_mm_srli_epi16(v, 4), mask));
        scales[b * kPanelRows + r] = kFormat == WeightFormat::kQ4_PC
                                         ? w.row_scales()[row]
                                         : F16ToF32(w.block_scales()[row * nb + b]);
      }
      uint8_t* dst = panel + b * (8 * 64) + r * 4;
      for (int q = 0; q < 8; ++q) std::memcpy(dst + q * 64, u + 4 * q, 4);
    }
  }
}

// acc[g][i] (lane = row of panel g) += panel g · activation row i0 + i.
template <int G, int I>
void PanelTile(const uint8_t* const (&panel)[G], const float* const (&scales)[G], int64_t nb,
               const QuantizedActivations& xq, const int32_t* bias, int64_t i0,
               __m512 (&acc)[G][I]) {
  const int8_t* x[I];
  const float* sx[I];
  const int32_t* bx[I];
  for (int i = 0; i < I; ++i) {
    x[i] = xq.Row(i0 + i);
    sx[i] = xq.RowScales(i0 + i);
    bx[i] = bias + (i0 + i) * nb;
  }
  for (int64_t b = 0; b < nb; ++b) {
    __m512i d[G][I];
    for (int i = 0; i < I; ++i) {
      const __m512i start = _mm512_set1_epi32(bx[i][b]);
      for (int g = 0; g < G; ++g) d[g][i] = start;
    }
    for (int q = 0; q < 8; ++q) {
      __m512i wv[G];
      for (int g = 0; g < G; ++g) {
        wv[g] = _mm512_load_si512(panel[g] + b * (8 * 64) + q * 64);
      }
      for (int i = 0; i < I; ++i) {
        int32_t quad;
        std::memcpy(&quad, x[i] + b * kQuantBlock + 4 * q, 4);
        const __m512i xv = _mm512_set1_epi32(quad);
        for (int g = 0; g < G; ++g) d[g][i] = _mm512_dpbusd_epi32(d[g][i], wv[g], xv);
      }
    }
    for (int g = 0; g < G; ++g) {
      const __m512 sw = _mm512_load_ps(scales[g] + b * kPanelRows);
      for (int i = 0; i < I; ++i) {
        acc[g][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d[g][i]),
                                    _mm512_mul_ps(sw, _mm512_set1_ps(sx[i][b])), acc[g][i]);
      }
    }
  }
}

template <int G, int I>
void PanelStore(const Operands& op, const uint8_t* const (&panel)[G],
                const float* const (&scales)[G], const int32_t* bias, int64_t r0, int64_t i0) {
  __m512 acc[G][I];
  for (int g = 0; g < G; ++g)
    for (int i = 0; i < I; ++i) acc[g][i] = _mm512_setzero_ps();
  PanelTile<G, I>(panel, scales, op.w->blocks_per_row(), *op.xq, bias, i0, acc);
  for (int g = 0; g < G; ++g) {
    const __m512 b = op.bias != nullptr ? _mm512_loadu_ps(op.bias + r0 + g * kPanelRows)
                                        : _mm512_setzero_ps();
    for (int i = 0; i < I; ++i) {
      _mm512_storeu_ps(op.y + (i0 + i) * op.w->rows + r0 + g * kPanelRows,
                       _mm512_add_ps(acc[g][i], b));
    }
  }
}

template <int G>
void PanelActivations(const Operands& op, const uint8_t* const (&panel)[G],
                      const float* const (&scales)[G], const int32_t* bias, int64_t r0) {
  int64_t i = 0;
  for (; i + kPanelActs <= op.n; i += kPanelActs) {
    PanelStore<G, kPanelActs>(op, panel, scales, bias, r0, i);
  }
  switch (op.n - i) {
    case 3: PanelStore<G, 3>(op, panel, scales, bias, r0, i); break;
    case 2: PanelStore<G, 2>(op, panel, scales, bias, r0, i); break;
    case 1: PanelStore<G, 1>(op, panel, scales, bias, r0, i); break;
    default: break;
  }
}

template <WeightFormat kFormat>
void GemmRows(const Operands& op, int64_t row_begin, int64_t row_end) {
  const int64_t nb = op.w->blocks_per_row();
  Scratch& s = ThreadScratch();
  // The int32 start of each block's sum: −c · Σx undoes the unsigned shift c.
  const int32_t shift = kFormat == WeightFormat::kQ8_0 ? 128 : 8;
  s.bias.resize(op.n * nb);
  for (int64_t k = 0; k < op.n * nb; ++k) s.bias[k] = -shift * op.xq->sums[k];
  const int64_t panel_vectors = nb * 8;  // 64-byte vectors per panel
  s.panels.resize(2 * panel_vectors);
  s.panel_scales.resize(2 * nb * kPanelRows + 16);
  auto* bytes = reinterpret_cast<uint8_t*>(s.panels.data());
  // 64-byte aligned panel scales.
  float* scale_base = s.panel_scales.data();
  scale_base += (16 - (reinterpret_cast<uintptr_t>(scale_base) / 4) % 16) % 16;
  const uint8_t* const two[2] = {bytes, bytes + panel_vectors * 64};
  const float* const two_scales[2] = {scale_base, scale_base + nb * kPanelRows};
  int64_t r = row_begin;
  for (; r + 2 * kPanelRows <= row_end; r += 2 * kPanelRows) {
    PackPanel<kFormat>(*op.w, r, bytes, scale_base);
    PackPanel<kFormat>(*op.w, r + kPanelRows, bytes + panel_vectors * 64, scale_base + nb * kPanelRows);
    PanelActivations<2>(op, two, two_scales, s.bias.data(), r);
  }
  if (r + kPanelRows <= row_end) {
    PackPanel<kFormat>(*op.w, r, bytes, scale_base);
    const uint8_t* const one[1] = {bytes};
    const float* const one_scales[1] = {scale_base};
    PanelActivations<1>(op, one, one_scales, s.bias.data(), r);
    r += kPanelRows;
  }
  GemvRows<kFormat>(op, r, row_end);  // fewer than 16 rows left
}
