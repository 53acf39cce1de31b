#!/usr/bin/env node
console.log("kvkey");
