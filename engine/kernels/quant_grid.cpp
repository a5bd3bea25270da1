#include "engine/kernels/quant_grid.h"

namespace qtx::kernels {

QuantGrid grid_of(const fb::QuantParamsT& q, size_t index) {
  QuantGrid g;
  g.scale = q.scales.at(index);
  g.zero_point = q.zero_points.empty() ? 0 : q.zero_points.at(index);
  g.qmin = q.qmin;
  g.qmax = q.qmax;
  return g;
}

bool fits_s8(const QuantGrid& g) {
  return g.qmin >= -128 && g.qmax <= 127;
}
bool fits_u8(const QuantGrid& g) {
  return g.qmin >= 0 && g.qmax <= 255;
}

}  // namespace qtx::kernels
