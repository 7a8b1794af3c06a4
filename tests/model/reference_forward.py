#!/usr/bin/python3
"""Float64 numpy forward pass of a Hugging Face Qwen2 / Llama / Qwen3 checkpoint.

An independent second implementation (numpy, no shared code) used to check
paths the transformers fixtures do not cover: Qwen3's per-head q/k RMSNorm and
explicit head_dim, a single KV head, F16/BF16 weights.

usage: reference_forward.py MODEL_DIR "id id id" OUT.json
writes {"logits": [[...] per position]}.
"""
import json
import struct
import sys

import numpy as np


def load_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        buf = data[b:e]
        if info["dtype"] == "F32":
            arr = np.frombuffer(buf, "<f4")
        elif info["dtype"] == "F16":
            arr = np.frombuffer(buf, "<f2")
        elif info["dtype"] == "BF16":
            arr = (np.frombuffer(buf, "<u2").astype(np.uint32) << 16).view("<f4")
        else:
            raise SystemExit("unsupported dtype " + info["dtype"])
        out[name] = arr.astype(np.float64).reshape(info["shape"])
    return out


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope(x, positions, inv_freq):
    # x: [L, heads, head_dim]; rotate-half pairs i and i + head_dim/2.
    ang = positions[:, None] * inv_freq[None, :]
    cos = np.concatenate([np.cos(ang)] * 2, axis=-1)[:, None, :]
    sin = np.concatenate([np.sin(ang)] * 2, axis=-1)[:, None, :]
    half = x.shape[-1] // 2
    rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos + rotated * sin


def main():
    model_dir, ids_text, out_path = sys.argv[1:4]
    cfg = json.load(open(model_dir + "/config.json"))
    w = load_safetensors(model_dir + "/model.safetensors")
    arch = cfg["architectures"][0]
    heads, kv_heads = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd = cfg.get("head_dim") or cfg["hidden_size"] // heads
    eps = cfg["rms_norm_eps"]
    inv_freq = 1.0 / (cfg.get("rope_theta", 10000.0) ** (np.arange(0, hd, 2) / hd))
    ids = [int(t) for t in ids_text.split()]
    L = len(ids)
    pos = np.arange(L, dtype=np.float64)
    x = w["model.embed_tokens.weight"][ids]
    bias = lambda name: w.get(name, 0.0)
    mask = np.triu(np.full((L, L), -np.inf), 1)
    for l in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % l
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T + bias(p + "self_attn.q_proj.bias")).reshape(L, heads, hd)
        k = (h @ w[p + "self_attn.k_proj.weight"].T + bias(p + "self_attn.k_proj.bias")).reshape(L, kv_heads, hd)
        v = (h @ w[p + "self_attn.v_proj.weight"].T + bias(p + "self_attn.v_proj.bias")).reshape(L, kv_heads, hd)
        if arch == "Qwen3ForCausalLM":
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k = rope(q, pos, inv_freq), rope(k, pos, inv_freq)
        group = heads // kv_heads
        att = np.zeros((L, heads, hd))
        for head in range(heads):
            s = q[:, head] @ k[:, head // group].T / np.sqrt(hd) + mask
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            att[:, head] = (s / s.sum(axis=-1, keepdims=True)) @ v[:, head // group]
        x = x + att.reshape(L, heads * hd) @ w[p + "self_attn.o_proj.weight"].T + bias(p + "self_attn.o_proj.bias")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["lm_head.weight"] if "lm_head.weight" in w else w["model.embed_tokens.weight"]
    json.dump({"logits": (x @ head.T).tolist()}, open(out_path, "w"))


if __name__ == "__main__":
    main()
