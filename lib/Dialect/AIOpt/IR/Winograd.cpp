//===- Winograd.cpp - Winograd F(m, r) transform matrices ----------------===//
//
// The F(m, r) matrices (see Winograd.h).
//
//===----------------------------------------------------------------------===//

#include "aiopt/Dialect/AIOpt/IR/Winograd.h"

#include <cmath>

using namespace mlir;
using namespace mlir::aiopt;

/// Interpolation points in the order they are taken: small magnitudes first
/// (the transforms' rounding errors grow with the points' spread).
static constexpr double kPoints[kWinogradMaxPoints] = {0, 1, -1, 0.5, -0.5, 2, -2};

/// `x` on a grid of 1/64 when it is that close to it (exact matrix entries
/// despite the inversion's rounding).
static double snap(double x) {
  double grid = std::round(x * 64) / 64;
  return std::abs(x - grid) < 1e-9 ? grid : x;
}

/// The inverse of the n x n row-major matrix `a` (Gauss-Jordan with
/// partial pivoting; the matrices here are small and well conditioned).
static SmallVector<double> inverse(SmallVector<double> a, int64_t n) {
  SmallVector<double> inv(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    inv[i * n + i] = 1;
  for (int64_t col = 0; col < n; ++col) {
    int64_t pivot = col;
    for (int64_t row = col + 1; row < n; ++row)
      if (std::abs(a[row * n + col]) > std::abs(a[pivot * n + col]))
        pivot = row;
    for (int64_t j = 0; j < n; ++j) {
      std::swap(a[col * n + j], a[pivot * n + j]);
      std::swap(inv[col * n + j], inv[pivot * n + j]);
    }
    double p = a[col * n + col];
    for (int64_t j = 0; j < n; ++j) {
      a[col * n + j] /= p;
      inv[col * n + j] /= p;
    }
    for (int64_t row = 0; row < n; ++row) {
      double f = a[row * n + col];
      if (row == col || f == 0)
        continue;
      for (int64_t j = 0; j < n; ++j) {
        a[row * n + j] -= f * a[col * n + j];
        inv[row * n + j] -= f * inv[col * n + j];
      }
    }
  }
  return inv;
}

std::optional<WinogradMatrices> mlir::aiopt::winogradMatrices(int64_t m, int64_t r) {
  if (m < 1 || r < 2 || m + r - 2 > kWinogradMaxPoints)
    return std::nullopt;
  WinogradMatrices w;
  w.m = m;
  w.r = r;
  int64_t alpha = w.alpha = m + r - 1;
  w.at.assign(m * alpha, 0.0);
  w.g.assign(alpha * r, 0.0);
  // Polynomial multiplication evaluates both factors at the points (E_h for
  // the m-coefficient one, E_g for the filter) and interpolates the product
  // (E_s^-1); correlation is its transpose: A^T = E_h^T, G = E_g,
  // B^T = E_s^-T. The last row of each evaluation is the point at
  // infinity: the leading coefficient.
  SmallVector<double> es(alpha * alpha, 0.0);
  for (int64_t j = 0; j + 1 < alpha; ++j) {
    double p = kPoints[j];
    for (int64_t i = 0; i < alpha; ++i) {
      double power = std::pow(p, double(i));
      if (i < m)
        w.at[i * alpha + j] = power;
      if (i < r)
        w.g[j * r + i] = power;
      es[j * alpha + i] = power;
    }
  }
  w.at[(m - 1) * alpha + alpha - 1] = 1;
  w.g[(alpha - 1) * r + r - 1] = 1;
  es[(alpha - 1) * alpha + alpha - 1] = 1;
  SmallVector<double> inv = inverse(es, alpha);
  w.bt.assign(alpha * alpha, 0.0);
  for (int64_t i = 0; i < alpha; ++i) {
    // Row i of B^T is column i of E_s^-1, scaled so that its smallest
    // nonzero entry is +-1; row i of G takes the scale.
    double smallest = 0;
    for (int64_t j = 0; j < alpha; ++j) {
      double x = inv[j * alpha + i];
      if (std::abs(x) > 1e-12 && (smallest == 0 || std::abs(x) < smallest))
        smallest = std::abs(x);
    }
    for (int64_t j = 0; j < alpha; ++j) {
      double x = inv[j * alpha + i];
      w.bt[i * alpha + j] = std::abs(x) > 1e-12 ? snap(x / smallest) : 0.0;
    }
    for (int64_t k = 0; k < r; ++k)
      w.g[i * r + k] *= smallest;
  }
  return w;
}
