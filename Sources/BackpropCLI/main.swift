import Backprop

let a = Value(2.0)
let b = Value(-3.0)
let c = (a * b + a.pow(2)).tanh() / 2 - 1
c.backward()
print(a.data, a.grad, b.grad)
