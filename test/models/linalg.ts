// Small dense linear algebra for the tests: symmetric eigendecomposition (cyclic Jacobi) and
// principal angles between subspaces.

/** Eigenvalues (descending) and eigenvectors (columns of `vectors`, n×n row-major) of a symmetric matrix. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p], mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k], mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/** Orthonormal basis (columns, d×k row-major) of the column space of a d×k matrix (Gram–Schmidt, twice). */
export function orthonormalColumns(a: Float64Array, d: number, k: number): Float64Array {
  const q = Float64Array.from(a);
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += q[r * k + i] * q[r * k + j];
        for (let r = 0; r < d; r++) q[r * k + j] -= dot * q[r * k + i];
      }
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += q[r * k + j] ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < d; r++) q[r * k + j] /= norm;
  }
  return q;
}

/** Principal angles (radians, ascending) between the column spaces of two d×k orthonormal bases. */
export function principalAngles(u: Float64Array, w: Float64Array, d: number, k: number): number[] {
  const m = new Float64Array(k * k); // Uᵀ W
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let r = 0; r < d; r++) s += u[r * k + i] * w[r * k + j];
    m[i * k + j] = s;
  }
  const mtm = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0;
    for (let r = 0; r < k; r++) s += m[r * k + i] * m[r * k + j];
    mtm[i * k + j] = s;
  }
  // singular values of UᵀW are the cosines of the principal angles
  return Array.from(symmetricEigen(mtm, k).values, (v) => Math.acos(Math.min(1, Math.sqrt(Math.max(0, v))))).sort((a, b) => a - b);
}
