#!/usr/bin/env node
import "../dist/kplane.mjs";
